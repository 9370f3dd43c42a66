"""What the supervisor's escalation inbox reads: late and nearly late tasks, open escalations, approvals waiting in
the supervisor lane, and cases whose regulatory deadline is near. No Flask here: a session and plain values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from engine.models import (
    AuditEvent,
    Case,
    CaseStatus,
    Escalation,
    OutboxMessage,
    Role,
    User,
    WorkItem,
    WorkItemState,
)

# How far ahead the inbox looks, by the choice in its filter bar ("overdue" looks at none).
HORIZONS = {
    "overdue": timedelta(0),
    "1h": timedelta(hours=1),
    "4h": timedelta(hours=4),
    "24h": timedelta(days=1),
}
DEFAULT_HORIZON = "4h"
TIERS = ("urgent", "general", "advisory")
# A regulatory deadline this close is listed (the clock's own warnings come on days 10 and 13 of 15).
REGULATORY_HORIZON = timedelta(days=5)
LIMIT = 200
SUPERVISOR_LANE = "supervisor"
MANAGER_ROLES = (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class Filters:
    lane: str | None = None
    tier: str | None = None
    horizon: str = DEFAULT_HORIZON


@dataclass
class TaskRow:
    item: WorkItem
    case: Case
    assignee: User | None


@dataclass
class EscalationRow:
    escalation: Escalation
    case: Case
    item: WorkItem | None


def _case_filters(statement, flt: Filters):
    return statement.where(Case.tier == flt.tier) if flt.tier else statement


def late_tasks(session: Session, now: datetime, flt: Filters, limit: int = LIMIT) -> list[TaskRow]:
    """Open tasks past their deadline or due within the horizon, the most overdue first."""
    horizon = now + HORIZONS.get(flt.horizon, HORIZONS[DEFAULT_HORIZON])
    assignee = aliased(User)
    statement = (
        select(WorkItem, Case, assignee)
        .join(Case, Case.id == WorkItem.case_id)
        .outerjoin(assignee, assignee.id == WorkItem.assignee_id)
        .where(
            WorkItem.state.in_(WorkItemState.open_states()),
            WorkItem.due_at.is_not(None),
            WorkItem.due_at < horizon if flt.horizon != "overdue" else WorkItem.due_at <= now,
        )
        .order_by(WorkItem.due_at, WorkItem.id)
        .limit(limit)
    )
    if flt.lane:
        statement = statement.where(WorkItem.lane == flt.lane)
    rows = session.execute(_case_filters(statement, flt)).all()
    return [TaskRow(item, case, user) for item, case, user in rows]


def approvals(session: Session, flt: Filters, limit: int = LIMIT) -> list[TaskRow]:
    """Open tasks of the supervisor lane (settlement approvals, chasing escalated work), soonest due first."""
    assignee = aliased(User)
    statement = (
        select(WorkItem, Case, assignee)
        .join(Case, Case.id == WorkItem.case_id)
        .outerjoin(assignee, assignee.id == WorkItem.assignee_id)
        .where(WorkItem.state.in_(WorkItemState.open_states()), WorkItem.lane == SUPERVISOR_LANE)
        .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id)
        .limit(limit)
    )
    rows = session.execute(_case_filters(statement, flt)).all()
    return [TaskRow(item, case, user) for item, case, user in rows]


def open_escalations(session: Session, flt: Filters, limit: int = LIMIT) -> list[EscalationRow]:
    """Escalations nobody has acknowledged yet that concern supervisors, the highest level and newest first.

    The ladder's first rung only reminds the assignee; it is theirs, not the supervisors'.
    """
    statement = (
        select(Escalation, Case, WorkItem)
        .join(Case, Case.id == Escalation.case_id)
        .outerjoin(WorkItem, WorkItem.id == Escalation.work_item_id)
        .where(
            Escalation.resolved_at.is_(None),
            or_(Escalation.source != "ladder", Escalation.level >= 2),
        )
        .order_by(Escalation.level.desc(), Escalation.created_at.desc(), Escalation.id.desc())
        .limit(limit)
    )
    if flt.lane:
        statement = statement.where(WorkItem.lane == flt.lane)
    rows = session.execute(_case_filters(statement, flt)).all()
    # One row per late task: its highest rung (rows come highest first); acknowledging it answers the rest.
    shown, seen = [], set()
    for escalation, case, item in rows:
        key = ("task", escalation.work_item_id) if escalation.work_item_id else ("escalation", escalation.id)
        if key not in seen:
            seen.add(key)
            shown.append(EscalationRow(escalation, case, item))
    return shown


def regulatory_watch(session: Session, now: datetime, flt: Filters, limit: int = LIMIT) -> list[Case]:
    """Undecided open cases whose regulatory deadline is near or passed, or whose clock is paused."""
    statement = (
        select(Case)
        .where(
            Case.decided_at.is_(None),
            Case.status.in_((CaseStatus.OPEN, CaseStatus.INCIDENT)),
            or_(Case.regulatory_due_at < now + REGULATORY_HORIZON, Case.regulatory_paused_since.is_not(None)),
        )
        .order_by(Case.regulatory_due_at.is_(None), Case.regulatory_due_at, Case.id)
        .limit(limit)
    )
    return list(session.scalars(_case_filters(statement, flt)))


def frontline_agents(session: Session) -> list[User]:
    """Who may own a case: active users of the frontline lane."""
    users = session.scalars(
        select(User).where(User.active.is_(True)).order_by(User.display_name, User.username)
    )
    return [u for u in users if u.can_work_lane("frontline")]


def regulatory_history(session: Session, case_id: int) -> list[AuditEvent]:
    """The case's regulatory clock events (extensions, pauses, warnings), oldest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.kind.like("regulatory.%"))
            .order_by(AuditEvent.seq)
        )
    )


def customer_notices(session: Session, case_id: int) -> list[tuple[OutboxMessage, datetime | None]]:
    """The extension notices queued for the customer of a case, newest first, each with the deadline it gave."""
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.case_id == case_id, OutboxMessage.template == "regulatory_extension")
        .order_by(OutboxMessage.id.desc())
    )
    return [(row, _moment(row.payload.get("due_at"))) for row in rows]


def _moment(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
