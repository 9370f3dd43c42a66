"""The agent's pages: the inbox, a task with its form, the case workspace."""

from flask import Blueprint

bp = Blueprint("agent", __name__, url_prefix="/agent")

from web.agent import routes  # noqa: E402,F401
