"""The REST API under ``/api/v1``: JSON for channel systems, scripts and the pages' scripts.

Documented by the OpenAPI document it serves at ``/api/v1/openapi.json`` (``openapi.py``); a test holds the
code to it. Tokens (``Authorization: Bearer …``) or the browser session authenticate; a request that relies on
the session cookie to change something must also send ``X-Requested-With`` (which no other site's page can
send without our consent), so a cookie alone never authorises a change from another site.
"""

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge, Unauthorized

from engine.errors import Forbidden
from web import auth
from web.api.inputs import ApiError, too_large
from web.api.ratelimit import make_limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Path parameters that are row ids: larger values would overflow the database's integers.
ID = "int(max=9223372036854775807)"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@bp.record_once
def _set_up(state) -> None:
    app = state.app
    app.extensions.setdefault("api_rate_limiter", make_limiter(app.config, lambda: app.config["CLOCK"]()))


@bp.before_request
def _cookie_changes_need_a_header() -> None:
    if request.method in _SAFE_METHODS or "X-Requested-With" in request.headers:
        return
    if auth.current_user() is not None and auth.auth_method() == auth.SESSION:
        raise Forbidden("send X-Requested-With with changes made through the browser session")


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return jsonify(error.to_dict()), error.status, error.headers


@bp.errorhandler(Unauthorized)
def _unauthorized(error: Unauthorized):
    body = {"code": "unauthorized", "message": error.description}
    return jsonify(body), 401, {"WWW-Authenticate": 'Bearer realm="complaints"'}


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge):
    error = too_large(request.max_content_length or 0)
    return jsonify(error.to_dict()), 413


from web.api import complaints, openapi, processes, studio, tasks, track  # noqa: E402,F401
