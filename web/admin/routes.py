"""Routes of the admin pages."""

from web.admin import bp  # noqa: F401
