"""The public blueprint: what anyone may see without signing in."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from web.public import routes  # noqa: E402,F401
