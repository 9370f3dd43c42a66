"""The administrator's pages: users, roles, departments, API tokens; the deployed processes."""

from web.admin import routes  # noqa: F401  (their views register on the blueprint)
from web.admin.blueprint import bp

__all__ = ["bp"]
