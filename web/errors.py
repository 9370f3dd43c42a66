"""Domain errors to HTTP, in one place: JSON for API clients, a short page for browsers."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, render_template_string, request
from flask_babel import lazy_gettext
from werkzeug.exceptions import HTTPException

from engine.errors import (
    Conflict,
    DeploymentRejected,
    EngineError,
    Forbidden,
    InvalidState,
    NotFound,
    ValidationFailed,
)
from web.db import close_session

STATUS = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    InvalidState: 409,
    ValidationFailed: 422,
    DeploymentRejected: 422,
}

_PAGE = "<!doctype html><title>{{ status }}</title><h1>{{ status }}</h1><p>{{ message }}</p>"
HEADINGS = {
    400: lazy_gettext("This request could not be handled"),
    401: lazy_gettext("Please sign in"),
    403: lazy_gettext("This is not open to you"),
    404: lazy_gettext("Not found"),
    405: lazy_gettext("This request could not be handled"),
    409: lazy_gettext("Someone else changed this first"),
    413: lazy_gettext("That is too large"),
    422: lazy_gettext("Please check what you entered"),
    429: lazy_gettext("Too many requests"),
    500: lazy_gettext("Something went wrong on our side"),
}


def _wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


def _respond(status: int, body: dict):
    if _wants_json():
        return jsonify(body), status
    heading = str(HEADINGS.get(status, status))
    try:
        page = render_template("errors/error.html", status=status, heading=heading, message=body["message"])
    except Exception:  # the layout itself failed (the database is away, say): the plainest page there is
        close_session()
        page = render_template_string(_PAGE, status=status, message=body["message"])
    return page, status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(EngineError)
    def engine_error(error: EngineError):
        status = next((code for cls, code in STATUS.items() if isinstance(error, cls)), 400)
        return _respond(status, error.to_dict())

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is not None and error.code < 400:
            return error  # routing redirects (a missing trailing slash) are answers, not errors
        code = (error.name or "error").lower().replace(" ", "_")
        return _respond(error.code or 500, {"code": code, "message": error.description})

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        # Never leak a traceback; the session may be mid-transaction, so drop it.
        app.logger.exception("unhandled error")
        close_session()
        return _respond(500, {"code": "internal_error", "message": "an unexpected error occurred"})
