"""The administrator's pages: users, roles, departments, API tokens; the deployed processes."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from web.admin import routes  # noqa: E402,F401
