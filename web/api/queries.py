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
from functools import lru_cache

from sqlalchemy import Select, and_, bindparam, exists, func, or_, select, union, union_all
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

_W = WorkItem.__table__  # the inbox slices use Core columns: cheaper to build than the ORM's
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

    A page is read as a union of small ordered range scans, one per (state, lane) of ``ix_work_items_inbox``
    (state, lane, due_at) and one of ``ix_work_items_assignee``, each cut at ``limit``: it reads about ``limit``
    rows per slice however many tasks are open. Tasks with a due time come first; those without are read only
    when the dated ones do not fill the page.
    """
    lanes = flt.lanes if flt.lanes is not None else every_lane(session)
    if flt.lane is not None:
        lanes = tuple(lane for lane in lanes if lane == flt.lane)
    shape = _Shape(
        states=flt.states,
        lanes=lanes,
        every_lane=flt.lanes is None,
        lane=flt.lane,
        assigned=flt.assignee_id is not None,
        only_assigned=flt.only_assigned,
        one_case=flt.case_id is not None,
        overdue=flt.due_before is not None,
    )
    params = {
        "assignee_id": flt.assignee_id,
        "case_id": flt.case_id,
        "due_before": flt.due_before,
        "after_due": after.due_at if after else None,
        "after_id": after.id if after else None,
    }
    ids: list[int] = []
    if not _branches(shape):
        return []  # a lane filter outside every lane the caller may see
    if after is None or after.due_at is not None:
        statement = _page_statement(shape, dated=True, after=after is not None)
        ids += session.execute(statement, {**params, "limit": limit}).scalars()
    if len(ids) < limit and not shape.overdue:
        statement = _page_statement(shape, dated=False, after=after is not None and after.due_at is None)
        ids += session.execute(statement, {**params, "limit": limit - len(ids)}).scalars()
    # The rows by primary key, in a second query: joined to the union, a planner may scan the table instead.
    order = {item_id: n for n, item_id in enumerate(ids)}
    items = session.scalars(select(WorkItem).where(WorkItem.id.in_(order))) if order else []
    return sorted(items, key=lambda item: order[item.id])


@dataclass(frozen=True)
class _Shape:
    """What decides the form of a page's SQL (the values are bound parameters): one statement per shape."""

    states: tuple[str, ...]
    lanes: tuple[str, ...]
    every_lane: bool
    lane: str | None
    assigned: bool
    only_assigned: bool
    one_case: bool
    overdue: bool


@lru_cache(maxsize=512)
def _page_statement(shape: _Shape, *, dated: bool, after: bool) -> Select:
    """The ids of the dated (or undated) part of a page, in order; built once per shape, as a union of many
    slices costs more to build in Python than to run.
    """
    parts = [select(_slice(branch, shape, dated, after).subquery()) for branch in _branches(shape)]
    # Slices overlap only through the caller's assigned tasks; otherwise no row can come twice.
    page = (union if shape.assigned else union_all)(*parts).subquery()
    return select(page.c.id).order_by(page.c.due_at, page.c.id).limit(bindparam("limit"))


@lru_cache(maxsize=512)
def _branches(shape: _Shape) -> tuple[tuple, ...]:
    """The WHERE clauses of each slice, built once per shape: every page asks for them, and a supervisor's forty
    slices take milliseconds to build."""
    return tuple(tuple(where) for where in _where_clauses(shape))


def _where_clauses(shape: _Shape) -> list[list]:
    base = [_W.c.case_id == bindparam("case_id")] if shape.one_case else []
    lane_filter = [_W.c.lane == shape.lane] if shape.lane is not None else []
    assigned = [
        *base,
        *lane_filter,
        _W.c.assignee_id == bindparam("assignee_id"),
        _W.c.state.in_(shape.states),
    ]
    if shape.only_assigned:
        return [assigned]
    if shape.one_case:
        # A case has a handful of tasks: one slice, through the case_id index.
        visible = [] if shape.every_lane else [_W.c.lane.in_(shape.lanes)]
        if shape.assigned and visible:
            visible = [or_(visible[0], _W.c.assignee_id == bindparam("assignee_id"))]
        return [[*base, *lane_filter, *visible, _W.c.state.in_(shape.states)]]
    branches = []
    if shape.every_lane and shape.lane is None:
        branches.extend([_W.c.state == state, _W.c.lane.is_(None)] for state in shape.states)
    branches.extend(
        [_W.c.state == state, _W.c.lane == lane] for lane in shape.lanes for state in shape.states
    )
    if shape.assigned:
        branches.append(assigned)
    return branches


def _slice(where: tuple, shape: _Shape, dated: bool, after: bool) -> Select:
    """One slice's part, in order: tasks with a due time (by due time, id), or those without (by id)."""
    columns = select(_W.c.id, _W.c.due_at)
    if dated:
        where = [*where, _W.c.due_at.is_not(None)]
        if shape.overdue:
            where.append(_W.c.due_at < bindparam("due_before", type_=_W.c.due_at.type))
        if after:
            after_due = bindparam("after_due", type_=_W.c.due_at.type)
            where += [_W.c.due_at >= after_due, or_(_W.c.due_at > after_due, _W.c.id > bindparam("after_id"))]
    else:
        where = [*where, _W.c.due_at.is_(None)]
        if after:
            where.append(_W.c.id > bindparam("after_id"))
    # The undated part is ordered by its (null) due time too: that keeps PostgreSQL on ix_work_items_inbox,
    # where ordering by id alone tempts it into walking the primary key and filtering thousands of rows.
    return columns.where(*where).order_by(_W.c.due_at, _W.c.id).limit(bindparam("limit"))


def every_lane(session: Session) -> tuple[str, ...]:
    """Every lane a task can be in: the lanes of every deployed version (a task's lane comes from its diagram)."""
    lanes = set(session.scalars(select(Department.code)))
    for version_lanes in session.scalars(select(ProcessVersion.lanes)):
        lanes.update(version_lanes or [])
    return tuple(sorted(lanes))


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
