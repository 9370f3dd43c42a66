"""Routes of the supervisor pages."""

from web.supervisor import bp  # noqa: F401
