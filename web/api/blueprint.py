"""The ``api`` blueprint and what applies to all of its views; the views register on it from their own
modules, which the package imports."""

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge, Unauthorized

from engine.errors import Forbidden
from web import auth
from web.api.inputs import ApiError, too_large

bp = Blueprint("api", __name__, url_prefix="/api/v1")
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


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
