"""Signing in and out, and choosing the pages' language."""

from web.signin import routes  # noqa: F401  (their views register on the blueprint)
from web.signin.blueprint import bp

__all__ = ["bp"]
