"""The supervisor's pages: the escalation inbox, reassigning tasks and owners, extending the regulatory deadline."""

from web.supervisor import routes  # noqa: F401  (their views register on the blueprint)
from web.supervisor.blueprint import bp

__all__ = ["bp"]
