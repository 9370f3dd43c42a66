"""Signing in and out, and choosing the pages' language."""

from flask import Blueprint

bp = Blueprint("signin", __name__)

from web.signin import routes  # noqa: E402,F401
