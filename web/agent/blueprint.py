"""The ``agent`` blueprint and what applies to all of its views; the views register on it from their own
modules, which the package imports."""

from flask import Blueprint

bp = Blueprint("agent", __name__, url_prefix="/agent")
