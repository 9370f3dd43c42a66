"""Routes of the auditor pages."""

from web.auditor import bp  # noqa: F401
