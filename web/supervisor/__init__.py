"""The supervisor's pages: the escalation inbox, reassigning tasks and owners, extending the regulatory deadline."""

from flask import Blueprint

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")

from web.supervisor import routes  # noqa: E402,F401
