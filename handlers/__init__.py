"""Service-task handlers: plain functions registered by name. Imports no Flask."""

from handlers.registry import HandlerContext, HandlerError, HandlerRegistry, OutboxMessage, registry

# Importing the handler modules registers them.
from handlers import basic, complaints  # noqa: F401  isort:skip

__all__ = ["HandlerContext", "HandlerError", "HandlerRegistry", "OutboxMessage", "registry"]
