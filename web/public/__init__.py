"""The public blueprint: what anyone may see without signing in — the start page, the customer's pages
(file a complaint, follow it with the tracking code) and monitoring."""

from web.public import complaints, evidence, routes, tracking  # noqa: F401  (their views register on the blueprint)
from web.public.blueprint import bp

__all__ = ["bp"]
