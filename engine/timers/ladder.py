"""The escalation ladder: when a task's deadline passes (or is near), who is told, and when the next one is.

BPMN boundary timers in the diagrams decide what the *process* does when late. The ladder decides who is
*told*: first the assignee (or the lane's queue), then the supervisors, then the department head, each step a
configurable grace time after the deadline, each an escalation row (the supervisors' inbox), an audit event and
an outbox message. Each work item carries its next ladder time (indexed), so the sweep reads only the rows
whose time has come.

Settings: ``ESCALATION_NEAR_MINUTES`` (tell the assignee this long *before* the deadline; 0 = at the deadline)
and ``ESCALATION_GRACE_MINUTES`` (after the deadline, when the supervisors and then the department head are
told; default 30 and 120).

The department head's rung is addressed ``head:<lane>``: it reaches the supervisors and department heads of
that lane (engine/messaging/staff_notices.py). When nobody active holds that lane, the rung goes to the
supervisor lane instead, with a warning in the log; ``unreached_heads`` lists such lanes for the start-up check
and the administrators' page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import audit
from engine.clock import Clock, as_utc
from engine.models import (
    DEFAULT_DEPARTMENTS,
    Department,
    Escalation,
    OutboxMessage,
    Role,
    User,
    WorkItem,
    WorkItemState,
)
from engine.models.people import user_departments, with_holders
from engine.store.db import drain

log = logging.getLogger("complaints.ladder")
SUPERVISOR_LANE = "supervisor"

LEVELS = {1: "assignee", 2: "supervisor", 3: "department_head"}
DEFAULT_GRACE_MINUTES = (30, 120)


def _next_check(item: WorkItem, level: int, settings: Mapping[str, Any]) -> datetime | None:
    grace = tuple(settings.get("ESCALATION_GRACE_MINUTES", DEFAULT_GRACE_MINUTES))
    if level >= len(LEVELS) or level - 1 >= len(grace):
        return None
    return max(item.due_at + timedelta(minutes=float(grace[level - 1])), item.ladder_next_at)


def heads_of_lane(session: Session, lane: str | None) -> int:
    """How many active people a ``head:<lane>`` message reaches (supervisors and managers of that lane)."""
    return session.scalar(
        select(func.count(User.id.distinct()))
        .join(user_departments, user_departments.c.user_id == User.id)
        .join(Department, Department.id == user_departments.c.department_id)
        .where(Department.code == lane, User.active.is_(True), User.role.in_(with_holders(Role.SUPERVISOR)))
    )


def unreached_heads(session: Session) -> list[str]:
    """The departments whose head rung would reach nobody (their escalations fall back to the supervisors)."""
    lanes = [code for code in DEFAULT_DEPARTMENTS if code != SUPERVISOR_LANE]
    lanes += [c for c in session.scalars(select(Department.code)) if c not in lanes and c != SUPERVISOR_LANE]
    return [lane for lane in lanes if not heads_of_lane(session, lane)]


def warn_unreached(session: Session) -> list[str]:
    """Log a warning for every department without a head to escalate to; return them."""
    lanes = unreached_heads(session)
    for lane in lanes:
        log.warning(
            "nobody active heads the %r department: its third escalation rung goes to the supervisor lane",
            lane,
        )
    return lanes


def _recipient(session: Session, item: WorkItem, level: int) -> str:
    if level == 1:
        return f"user:{item.assignee_id}" if item.assignee_id else f"lane:{item.lane}"
    if level == 2:
        return "role:supervisor"
    if not heads_of_lane(session, item.lane):
        log.warning(
            "no head of the %r department: task %s escalates to the supervisor lane", item.lane, item.id
        )
        return f"lane:{SUPERVISOR_LANE}"
    return f"head:{item.lane}"


def sweep(
    sessions: Callable[[], Session], clock: Clock, settings: Mapping[str, Any], limit: int = 1000
) -> int:
    """Climb one rung for every open task whose ladder time has come; one transaction per task."""

    def due(now):
        # The ladder time is cleared when a task closes, so it alone selects (and its index serves the query).
        return select(WorkItem).where(WorkItem.ladder_next_at < now).order_by(WorkItem.ladder_next_at)

    def climb(session, row, now):
        _climb(session, row.WorkItem, now, settings)
        session.commit()

    return drain(sessions, lambda: as_utc(clock()), due, climb, limit=limit)


def _climb(session: Session, item: WorkItem, now: datetime, settings: Mapping[str, Any]) -> None:
    if item.state not in WorkItemState.open_states():  # closed by a path that did not clear it: stop here
        item.ladder_next_at = None
        return
    level = min(item.escalation_level + 1, len(LEVELS))
    recipient = _recipient(session, item, level)
    overdue = item.due_at is not None and now >= item.due_at
    item.escalation_level = level
    item.ladder_next_at = _next_check(item, level, settings)
    session.add(
        Escalation(
            case_id=item.case_id,
            work_item_id=item.id,
            source="ladder",
            recipient=recipient,
            step=item.spec_id,
            limit_text=item.due_at.isoformat() if item.due_at else "",
            level=level,
            created_at=now,
        )
    )
    session.add(
        OutboxMessage(
            case_id=item.case_id,
            channel="inbox",
            recipient=recipient,
            template="task_overdue" if overdue else "task_due_soon",
            payload={
                "task": item.name,
                "lane": item.lane,
                "level": level,
                "due_at": item.due_at.isoformat() if item.due_at else None,
            },
            created_at=now,
            next_attempt_at=now,
        )
    )
    audit.append(
        session,
        [
            audit.PendingEvent(
                now,
                "system:ladder",
                "task.escalated",
                item.case_id,
                {
                    "work_item": item.id,
                    "task": item.name,
                    "level": level,
                    "to": LEVELS[level],
                    "recipient": recipient,
                    "overdue": overdue,
                    "due_at": item.due_at,
                },
            )
        ],
    )
