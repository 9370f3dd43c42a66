"""The agent's pages: the inbox, a task with its form, the case workspace."""

from web.agent import evidence, filing, knowledge, routes  # noqa: F401  (their views register on the blueprint)
from web.agent.blueprint import bp

__all__ = ["bp"]
