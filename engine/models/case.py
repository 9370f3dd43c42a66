"""Cases and what the engine projects out of their workflow state: work items, timers, incidents."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from engine.models.base import Base, BigId, JSONValue, intpk
from engine.models.process import ProcessVersion


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    INCIDENT = "incident"  # a handler or script failed; the case waits for a retry
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class WorkItemState(enum.StrEnum):
    READY = "ready"
    CLAIMED = "claimed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @classmethod
    def open_states(cls) -> tuple[str, ...]:
        return (cls.READY, cls.CLAIMED)


class TimerStatus(enum.StrEnum):
    WAITING = "waiting"
    FIRED = "fired"
    CANCELLED = "cancelled"


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_status_created", "status", "created_at"),)

    id: Mapped[intpk]
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    process_key: Mapped[str] = mapped_column(String(255))
    process_version_id: Mapped[int] = mapped_column(BigId, ForeignKey("process_versions.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.OPEN)
    title: Mapped[str] = mapped_column(String(255), default="")
    tier: Mapped[str | None] = mapped_column(String(16))
    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id"), index=True)
    started_by: Mapped[str] = mapped_column(String(150), default="")
    # SpiffWorkflow's state without the spec (the spec is stored once on the process version).
    state: Mapped[str] = deferred(mapped_column(Text))
    serializer_version: Mapped[str] = mapped_column(String(16))
    engine_version: Mapped[str] = mapped_column(String(32))
    # Optimistic concurrency: every engine step bumps it; a concurrent step on a stale copy fails.
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]

    process_version: Mapped[ProcessVersion] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012


class WorkItem(Base):
    """One human task: the inbox and the SLA sweeps query these rows, never the serialized state."""

    __tablename__ = "work_items"
    __table_args__ = (
        Index("ix_work_items_inbox", "state", "lane", "due_at"),
        Index("ix_work_items_assignee", "assignee_id", "state"),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36), unique=True)
    spec_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    lane: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=WorkItemState.READY)
    assignee_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    form: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    escalation_level: Mapped[int] = mapped_column(default=0)

    case: Mapped[Case] = relationship(lazy="raise")

    @property
    def is_open(self) -> bool:
        return self.state in WorkItemState.open_states()


class Timer(Base):
    """A timer the workflow is waiting on, with its due time; kept after firing to measure lag."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "status", "due_at"),)

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36), unique=True)
    spec_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default=TimerStatus.WAITING)
    due_at: Mapped[datetime]
    created_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]


class Incident(Base):
    """A handler or script failure that stopped a case; retried by an operator or the sweep."""

    __tablename__ = "incidents"

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    task_name: Mapped[str] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(150))


class OutboxMessage(Base):
    """A message to send, written in the step's transaction; a dispatcher sends and retries."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at"),)

    id: Mapped[intpk]
    case_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("cases.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(255))
    template: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
