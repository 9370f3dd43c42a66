"""A case's regulatory clock as the auditor reads it: received, the deadline, each extension with its reason and
approver, each further extension asked of a senior manager and its decision, each pause, the warnings, and when
the decision reached the customer (engine/cases/regulatory.py keeps the clock; this only reads the case's columns
and its audit events).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from engine.clock import as_utc
from engine.models import AuditEvent, Case


@dataclass
class Extension:
    at: datetime
    days: int | None
    reason: str
    actor: str
    approved_by: str | None
    due_at: datetime | None


@dataclass
class Request:
    """A further extension asked of a senior manager, and what became of it."""

    id: Any
    at: datetime
    days: int | None
    reason: str
    actor: str
    decision: str | None = None  # "approved" or "rejected"; None while it waits
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None


@dataclass
class Pause:
    since: datetime
    reason: str
    actor: str
    until: datetime | None = None

    @property
    def length(self) -> timedelta | None:
        return self.until - self.since if self.until is not None else None


@dataclass
class RegulatoryClock:
    received_at: datetime
    days: int
    due_at: datetime | None  # None while paused
    paused_since: datetime | None
    paused_total: timedelta
    decided_at: datetime | None
    breached_at: datetime | None
    extensions: list[Extension] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    pauses: list[Pause] = field(default_factory=list)
    warnings: list[datetime] = field(default_factory=list)
    breached: bool = False  # the decision came (or is still coming) after the deadline

    @property
    def within_limit(self) -> bool | None:
        """Whether the decision reached the customer in time; None while it has not."""
        if self.decided_at is None:
            return None
        return self.due_at is None or self.decided_at <= self.due_at


_DECISIONS = {"regulatory.extension_approved": "approved", "regulatory.extension_rejected": "rejected"}


def regulatory_clock(case: Case, events: Iterable[AuditEvent], now: datetime) -> RegulatoryClock:
    due = _utc(case.regulatory_due_at)
    decided = _utc(case.decided_at)
    clock = RegulatoryClock(
        received_at=as_utc(case.received_at or case.created_at),
        days=case.regulatory_days,
        due_at=due,
        paused_since=_utc(case.regulatory_paused_since),
        paused_total=timedelta(seconds=case.regulatory_paused_seconds or 0),
        decided_at=decided,
        breached_at=_utc(case.regulatory_breached_at),
    )
    clock.breached = clock.breached_at is not None or (due is not None and (decided or now) > due)
    for event in events:
        payload, at = event.payload or {}, as_utc(event.occurred_at)
        if event.kind == "regulatory.extended":
            clock.extensions.append(
                Extension(
                    at,
                    payload.get("days"),
                    payload.get("reason", ""),
                    event.actor,
                    payload.get("approved_by"),
                    parse_time(payload.get("due_at")),
                )
            )
        elif event.kind == "regulatory.extension_requested":
            clock.requests.append(
                Request(
                    payload.get("request"), at, payload.get("days"), payload.get("reason", ""), event.actor
                )
            )
        elif event.kind in _DECISIONS:
            for request in clock.requests:
                if request.id == payload.get("request") and request.decision is None:
                    request.decision, request.decided_by = _DECISIONS[event.kind], event.actor
                    request.decided_at, request.note = at, payload.get("note")
        elif event.kind == "regulatory.paused":
            clock.pauses.append(Pause(at, payload.get("reason", ""), event.actor))
        elif event.kind == "regulatory.resumed" and clock.pauses and clock.pauses[-1].until is None:
            clock.pauses[-1].until = at
        elif event.kind == "regulatory.warning":
            clock.warnings.append(at)
    return clock


def parse_time(value: Any) -> datetime | None:
    """A time as an audit payload keeps it (ISO 8601), or None."""
    if not isinstance(value, str):
        return None
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        return None


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None
