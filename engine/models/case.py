"""Cases and what the engine projects out of their workflow state: work items, timers, incidents."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, SmallInteger, String, Text, text
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


PRIORITIES = ("P1", "P2", "P3", "P4")


def priority_number(priority: str | None) -> int | None:
    """A case's priority as the inbox orders it: "P1" is 1 ... "P4" is 4; anything else (none yet, or a value
    a changed decision table made up) is None, which the inbox puts after P4."""
    return PRIORITIES.index(priority) + 1 if priority in PRIORITIES else None


# The open states as SQL, for partial indexes and the queries that must match them word for word.
OPEN_STATES = "state IN ('ready', 'claimed')"


class TimerStatus(enum.StrEnum):
    WAITING = "waiting"
    FIRED = "fired"
    CANCELLED = "cancelled"
    HELD = "held"  # its case could not be stepped (in incident): not fired again until an operator retries


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_created", "status", "created_at"),
        Index("ix_cases_customer_category", "customer_id", "category", "created_at"),
        # The auditor's search pages by id within a status or a received-date range.
        Index("ix_cases_status_id", "status", "id"),
        Index("ix_cases_received_id", "received_at", "id"),
    )

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
    # What the complaint is about, kept as columns for inboxes, repeat detection and reports.
    channel: Mapped[str | None] = mapped_column(String(32))
    business_type: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    received_at: Mapped[datetime | None]
    priority: Mapped[str | None] = mapped_column(String(8))
    cause_class: Mapped[str | None] = mapped_column(String(64))
    risk_warning: Mapped[str] = mapped_column(Text, default="", server_default="")
    repeat_of_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("cases.id"))
    tracking_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The regulatory clock (CBIRC Order 2020 No. 3): calendar days from receipt, extendable, paused during
    # external appraisal. ``regulatory_due_at`` is empty while paused; ``regulatory_next_alert_at`` drives the
    # warnings and the breach marker (an indexed sweep, like the timers).
    regulatory_days: Mapped[int] = mapped_column(default=15, server_default="15")
    regulatory_due_at: Mapped[datetime | None]
    regulatory_paused_since: Mapped[datetime | None]
    regulatory_paused_seconds: Mapped[int] = mapped_column(default=0, server_default="0")
    regulatory_next_alert_at: Mapped[datetime | None] = mapped_column(index=True)
    regulatory_alerts: Mapped[int] = mapped_column(default=0, server_default="0")
    regulatory_breached_at: Mapped[datetime | None]
    # When the bank's decision (the result notice) reached the customer: stops the regulatory clock.
    decided_at: Mapped[datetime | None]
    # Compensation paid into the customer's account (the ``compensate`` handler), CNY; for the figures.
    compensation_paid: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    # The knowledge-base version (knowledge_versions.version; empty for the shipped file before any deployment)
    # and the article whose answer was sent to the customer, when the knowledge base answered the case.
    kb_version: Mapped[int | None]
    kb_article: Mapped[str | None] = mapped_column(String(80))
    # The bank's first response to the customer: a frontline task done, or an SMS or app message sent.
    first_response_at: Mapped[datetime | None]
    # SpiffWorkflow's state without the spec (the spec is stored once on the process version).
    state: Mapped[str] = deferred(mapped_column(Text))
    serializer_version: Mapped[str] = mapped_column(String(16))
    engine_version: Mapped[str] = mapped_column(String(32))
    # Optimistic concurrency: every engine step bumps it; a concurrent step on a stale copy fails.
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]

    # Loaded only when asked for: a step needs just the id (its spec comes from the cache).
    process_version: Mapped[ProcessVersion] = relationship(lazy="select")

    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012


class WorkItem(Base):
    """One human task: the inbox and the SLA sweeps query these rows, never the serialized state."""

    __tablename__ = "work_items"
    __table_args__ = (
        # The inbox: by state and lane, the highest priority first, then soonest due, id as the tie-breaker of
        # the cursor.
        Index("ix_work_items_inbox", "state", "lane", "priority", "due_at", "id"),
        # The inbox filtered or sorted by tier: the same range scans within one tier.
        Index("ix_work_items_inbox_tier", "state", "lane", "tier", "priority", "due_at", "id"),
        Index("ix_work_items_assignee", "assignee_id", "state"),
        # The heatmap's tasks waiting now: the open ones only (a small index), by case.
        Index(
            "ix_work_items_open_case",
            "case_id",
            "spec_id",
            "due_at",
            postgresql_where=text(OPEN_STATES),
            sqlite_where=text(OPEN_STATES),
        ),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36), unique=True)
    spec_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    lane: Mapped[str | None] = mapped_column(String(64))
    # The case's tier, copied so that the inbox filters by it without reading the case (engine/stepping.py).
    tier: Mapped[str | None] = mapped_column(String(16))
    # The case's priority as a number (P1 -> 1 ... P4 -> 4; empty while the case has none), copied like the
    # tier: the inbox orders by it. Rewritten for the open tasks when a re-triage changes it.
    priority: Mapped[int | None] = mapped_column(SmallInteger)
    state: Mapped[str] = mapped_column(String(16), default=WorkItemState.READY)
    assignee_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    form: Mapped[str | None] = mapped_column(String(255))
    # "owner" when the diagram gives the task straight to the case owner (first-owner responsibility).
    assign_to: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    # The escalation ladder: 0 nobody told yet, 1 the assignee reminded, 2 the supervisors, 3 the department head.
    escalation_level: Mapped[int] = mapped_column(default=0)
    # When the ladder next looks at this task (indexed: the sweep reads only rows whose time has come).
    ladder_next_at: Mapped[datetime | None] = mapped_column(index=True)

    case: Mapped[Case] = relationship(lazy="raise")

    @property
    def is_open(self) -> bool:
        return self.state in WorkItemState.open_states()


class Timer(Base):
    """A timer the workflow is waiting on, with its due time; kept after firing to measure lag.

    A cycle timer (``R3/PT1H``) is one task that fires again and again: one row per occurrence.
    """

    __tablename__ = "timers"
    # Due order with the id as tie-breaker: thousands of timers can share one due time (a burst).
    __table_args__ = (
        Index("ix_timers_due", "status", "due_at", "id"),
        Index("uq_timers_task_due", "task_id", "due_at", unique=True),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
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


class CaseNote(Base):
    """Information added to a case outside its tasks: a merged repeat complaint, the customer's additions."""

    __tablename__ = "case_notes"

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    author: Mapped[str] = mapped_column(String(150))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Escalation(Base):
    """A missed or near deadline raised by a diagram's timer; the supervisors' escalation inbox lists these."""

    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_open", "resolved_at", "created_at"),)

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), index=True)
    work_item_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("work_items.id"))
    # "diagram" (a process's timer escalated) or "ladder" (the deadline ladder told someone), or "regulatory".
    source: Mapped[str] = mapped_column(String(16), default="diagram", server_default="diagram")
    recipient: Mapped[str] = mapped_column(String(64), default="", server_default="")
    step: Mapped[str] = mapped_column(String(128))
    limit_text: Mapped[str] = mapped_column(String(255), default="")
    level: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """A message to send, written in the step's transaction; a dispatcher sends and retries."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "status", "next_attempt_at"),
        # A person's notices, newest first (engine/messaging/staff_notices.py).
        Index("ix_outbox_recipient_id", "recipient", "id"),
    )

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
