"""Routes of the agent pages."""

from web.agent import bp  # noqa: F401
