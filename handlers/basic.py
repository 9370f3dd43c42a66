"""General-purpose handlers every diagram may use."""

from __future__ import annotations

from handlers.registry import HandlerContext, HandlerError, registry


@registry.register("notify")
def notify(ctx: HandlerContext, channel: str, recipient: str, template: str, **payload) -> dict:
    """Queue a message to a person on a channel (sms, app_push, email, phone_task)."""
    if not recipient:
        raise HandlerError("notify needs a recipient")
    ctx.send(channel, recipient, template, **payload)
    return {"queued": True, "channel": channel}


@registry.register("record")
def record(ctx: HandlerContext, **values) -> dict:
    """Return the given values unchanged (a building block for diagrams and tests)."""
    return dict(values)
