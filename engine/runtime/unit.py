"""A unit of work: the time one engine step runs at, who runs it, and the audit events it will append."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine import audit


class Unit:
    """What one step accumulates before commit: the time it runs at, who runs it, its audit events.

    Every change a step makes happens at ``now``; the events are appended to the audit chain in the step's
    transaction, just before it commits (``CaseEngine.unit``).
    """

    def __init__(self, session: Session, now: datetime, actor: str):
        self.session = session
        self.now = now
        self.actor = actor
        self.events: list[audit.PendingEvent] = []

    def record(self, kind: str, case_id: int | None, **payload) -> None:
        self.events.append(audit.PendingEvent(self.now, self.actor, kind, case_id, payload))
