"""The auditor's pages (read-only): find a case, its full trace, the audit chain's verification."""

from flask import Blueprint

bp = Blueprint("auditor", __name__, url_prefix="/auditor")

from web.auditor import routes  # noqa: E402,F401
