"""The one registry of service-task handlers.

A BPMN service task names its operation (``spiffworkflow:serviceTaskOperator id="notify"``); the engine looks the
name up here and calls the plain function with a ``HandlerContext`` and the task's evaluated parameters. Handlers
never touch the database or the web layer: they read the context, call adapters, and return a JSON-able result.
Side effects that must survive only if the step commits (messages to customers) go through ``ctx.outbox``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class OutboxMessage:
    channel: str
    recipient: str
    template: str
    payload: dict[str, Any]


@dataclass
class HandlerContext:
    """What a handler may see and do: the case, the task, the time, the outbox, and configured adapters."""

    case_id: int | None
    case_reference: str | None
    task_name: str
    data: dict[str, Any]
    now: datetime
    settings: dict[str, Any] = field(default_factory=dict)
    adapters: dict[str, Any] = field(default_factory=dict)
    outbox: list[OutboxMessage] = field(default_factory=list)
    # Case-level fields a handler sets (tier, priority ...), applied to the case row in the same step.
    case_fields: dict[str, Any] = field(default_factory=dict)
    # Escalations raised by the step: (step, limit) pairs; the engine records and routes them.
    escalations: list[tuple[str, str]] = field(default_factory=list)
    # Set when the bank's decision has been sent to the customer (stops the regulatory clock).
    decided: bool = False
    # For a task on a timer's path: the id of the task the timer is attached to.
    source_task_id: str | None = None

    def send(self, channel: str, recipient: str, template: str, **payload: Any) -> None:
        """Queue a message; it is written to the outbox in the step's transaction and sent after commit."""
        self.outbox.append(OutboxMessage(channel, recipient, template, payload))


Handler = Callable[..., Any]


class HandlerError(Exception):
    """A handler could not do its work; the engine records it as an incident on the case."""


class HandlerRegistry:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def register(self, name: str) -> Callable[[Handler], Handler]:
        def decorate(fn: Handler) -> Handler:
            if name in self._handlers:
                raise ValueError(f"handler {name!r} is already registered")
            self._handlers[name] = fn
            return fn

        return decorate

    def get(self, name: str) -> Handler:
        try:
            return self._handlers[name]
        except KeyError:
            raise HandlerError(f"no handler is registered under the name {name!r}") from None

    def copy(self) -> HandlerRegistry:
        """A new registry with the same handlers, to extend without touching this one (tests, plug-ins)."""
        clone = HandlerRegistry()
        clone._handlers.update(self._handlers)
        return clone

    def names(self) -> set[str]:
        return set(self._handlers)

    def __contains__(self, name: str) -> bool:
        return name in self._handlers


registry = HandlerRegistry()
