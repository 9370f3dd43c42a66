"""The API's read queries: who may see a case or task, the inbox page, a case's trace, the deployed versions.

Kept out of the route modules so that views stay thin; no Flask here, only the session and plain values.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, exists, func, or_, select, union
from sqlalchemy.orm import Session, aliased

from engine.models import (
    AuditEvent,
    Case,
    Department,
    Deployment,
    Escalation,
    ProcessVersion,
    Role,
    User,
    WorkItem,
    WorkItemState,
)

# Roles that read every case and task; agents see only their own part of the work.
READ_ALL = (Role.SUPERVISOR, Role.AUDITOR)


def workable_lanes(user: User) -> tuple[str, ...]:
    lanes = set(user.lanes)
    if user.can_work_lane("supervisor"):
        lanes.add("supervisor")
    return tuple(sorted(lanes))


def can_see_task(user: User, item: WorkItem) -> bool:
    if user.role in READ_ALL:
        return True
    return user.can_work_lane(item.lane) or user.id in (item.assignee_id, item.completed_by_id)


def visible_case(session: Session, user: User, case_id: int) -> Case | None:
    """The case if ``user`` may read it, else None (the caller answers 404 either way: existence stays hidden).

    Supervisors and auditors read every case. An agent reads a case they own, or one with a task (open or
    done) in one of their lanes, assigned to them or completed by them.
    """
    case = session.get(Case, case_id)
    if case is None or user.role in READ_ALL or case.owner_id == user.id:
        return case
    if user.role != Role.AGENT:
        return None
    involved = session.scalar(
        select(
            exists().where(
                WorkItem.case_id == case_id,
                or_(
                    WorkItem.lane.in_(workable_lanes(user)),
                    WorkItem.assignee_id == user.id,
                    WorkItem.completed_by_id == user.id,
                ),
            )
        )
    )
    return case if involved else None


def users_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def open_tasks(session: Session, case_id: int) -> list[WorkItem]:
    return list(
        session.scalars(
            select(WorkItem)
            .where(WorkItem.case_id == case_id, WorkItem.state.in_(WorkItemState.open_states()))
            .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id)
        )
    )


# ------------------------------------------------------------------ inbox


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last task's sort key (due time, id). Opaque to clients."""

    due_at: datetime | None
    id: int

    def encode(self) -> str:
        raw = json.dumps([self.due_at.isoformat() if self.due_at else None, self.id]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Raise ValueError for anything this API did not hand out."""
        try:
            due, item_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            when = datetime.fromisoformat(due) if due is not None else None
        except (binascii.Error, UnicodeDecodeError, TypeError, ValueError):
            raise ValueError("not a cursor from this API") from None
        if not isinstance(item_id, int) or isinstance(item_id, bool) or (when and when.tzinfo is None):
            raise ValueError("not a cursor from this API")
        return cls(when, item_id)


@dataclass(frozen=True)
class TaskFilter:
    """Which tasks a page shows. ``lanes`` None means every lane; ``assignee_id`` adds that user's tasks."""

    states: tuple[str, ...]
    lanes: tuple[str, ...] | None
    assignee_id: int | None = None
    only_assigned: bool = False
    lane: str | None = None
    case_id: int | None = None
    due_before: datetime | None = None


def inbox_page(session: Session, flt: TaskFilter, after: Cursor | None, limit: int) -> list[WorkItem]:
    """Tasks in due order (soonest first, no deadline last, then id), ``limit`` of them after ``after``.

    The page is a union of small ordered range scans, one per (state, lane) of ``ix_work_items_inbox``
    (state, lane, due_at) and one of ``ix_work_items_assignee``, each cut at ``limit``: a page reads about
    ``limit`` rows per slice however many tasks are open.
    """
    slices = [_with_page(branch, flt, after, limit) for branch in _branches(session, flt)]
    parts = [select(part.subquery()) for group in slices for part in group]
    if not parts:
        return []
    page = union(*parts).subquery()
    return list(
        session.scalars(
            select(WorkItem)
            .join(page, page.c.id == WorkItem.id)
            .order_by(page.c.due_at.is_(None), page.c.due_at, page.c.id)
            .limit(limit)
        )
    )


def _branches(session: Session, flt: TaskFilter) -> list[list]:
    """The WHERE clauses of each slice."""
    base = [WorkItem.case_id == flt.case_id] if flt.case_id is not None else []
    lane_filter = [WorkItem.lane == flt.lane] if flt.lane is not None else []
    assigned = [*base, *lane_filter, WorkItem.assignee_id == flt.assignee_id, WorkItem.state.in_(flt.states)]
    if flt.only_assigned:
        return [assigned]
    if flt.case_id is not None:
        # A case has a handful of tasks: one slice, through the case_id index.
        visible = [] if flt.lanes is None else [WorkItem.lane.in_(flt.lanes)]
        if flt.assignee_id is not None and visible:
            visible = [or_(visible[0], WorkItem.assignee_id == flt.assignee_id)]
        return [[*base, *lane_filter, *visible, WorkItem.state.in_(flt.states)]]
    branches = []
    lanes = flt.lanes
    if lanes is None:
        lanes = tuple(session.scalars(select(Department.code).order_by(Department.code)))
        # Tasks in a lane that is no department (a diagram's typo): still listed, just not by an ordered scan.
        branches.append([*lane_filter, WorkItem.state.in_(flt.states), WorkItem.lane.not_in(lanes)])
        branches.append([*lane_filter, WorkItem.state.in_(flt.states), WorkItem.lane.is_(None)])
    for lane in lanes:
        if flt.lane is not None and lane != flt.lane:
            continue
        branches.extend([WorkItem.state == state, WorkItem.lane == lane] for state in flt.states)
    if flt.assignee_id is not None:
        branches.append(assigned)
    return branches


def _with_page(where: list, flt: TaskFilter, after: Cursor | None, limit: int) -> list[Select]:
    """One slice as two ordered parts: tasks with a due time (by due time, id), then those without (by id)."""
    columns = select(WorkItem.id, WorkItem.due_at)
    parts = []
    if after is None or after.due_at is not None:
        dated = [*where, WorkItem.due_at.is_not(None)]
        if flt.due_before is not None:
            dated.append(WorkItem.due_at < flt.due_before)
        if after is not None:
            dated += [
                WorkItem.due_at >= after.due_at,
                or_(WorkItem.due_at > after.due_at, WorkItem.id > after.id),
            ]
        parts.append(columns.where(*dated).order_by(WorkItem.due_at, WorkItem.id).limit(limit))
    if flt.due_before is None:
        undated = [*where, WorkItem.due_at.is_(None)]
        if after is not None and after.due_at is None:
            undated.append(WorkItem.id > after.id)
        parts.append(columns.where(*undated).order_by(WorkItem.id).limit(limit))
    return parts


def cases_by_id(session: Session, ids: Iterable[int]) -> dict[int, Case]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(wanted)))}


# ------------------------------------------------------------------ trace


@dataclass
class Trace:
    steps: list[tuple[WorkItem, str | None]]  # each work item with the username of who completed it
    escalations: dict[int, list[Escalation]]  # by work item id
    events: list[AuditEvent]


def trace(session: Session, case_id: int) -> Trace:
    completer = aliased(User)
    steps = session.execute(
        select(WorkItem, completer.username)
        .outerjoin(completer, completer.id == WorkItem.completed_by_id)
        .where(WorkItem.case_id == case_id)
        .order_by(WorkItem.created_at, WorkItem.id)
    ).all()
    escalations: dict[int, list[Escalation]] = defaultdict(list)
    for row in session.scalars(
        select(Escalation)
        .where(Escalation.case_id == case_id, Escalation.work_item_id.is_not(None))
        .order_by(Escalation.created_at, Escalation.id)
    ):
        escalations[row.work_item_id].append(row)
    events = list(
        session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq))
    )
    return Trace([(item, name) for item, name in steps], escalations, events)


# -------------------------------------------------------------- processes


def latest_versions(session: Session) -> Sequence[tuple[ProcessVersion, Deployment]]:
    """The newest version of every process key, with the deployment that brought it."""
    newest = (
        select(ProcessVersion.process_key, func.max(ProcessVersion.version).label("version"))
        .group_by(ProcessVersion.process_key)
        .subquery()
    )
    return session.execute(
        select(ProcessVersion, Deployment)
        .join(
            newest,
            and_(
                newest.c.process_key == ProcessVersion.process_key,
                newest.c.version == ProcessVersion.version,
            ),
        )
        .join(Deployment, Deployment.id == ProcessVersion.deployment_id)
        .order_by(ProcessVersion.process_key)
    ).all()


# ------------------------------------------------------------------ track


def case_by_tracking_code(session: Session, code: str) -> Case | None:
    return session.scalar(select(Case).where(Case.tracking_code == code))


def work_started_at(session: Session, case_id: int) -> datetime | None:
    """When work on the case visibly began: the first task someone took or finished."""
    return session.scalar(
        select(func.min(func.coalesce(WorkItem.claimed_at, WorkItem.completed_at))).where(
            WorkItem.case_id == case_id
        )
    )
