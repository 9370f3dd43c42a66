"""The public blueprint: what anyone may see without signing in — the start page, the customer's pages
(file a complaint, follow it with the tracking code) and monitoring."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from web.public import complaints, routes, tracking  # noqa: E402,F401
