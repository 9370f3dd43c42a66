"""The inbox read model: pages of tasks, filtered, sorted and paged by keyset. The agent's page and the API's
``GET /tasks`` are two presentations of it.

A page is made of two kinds of slices: the lanes' queues (tasks in ``queue_states`` of each lane the person
may see) and the person's own tasks (assigned to them, in ``own_states``). An agent's page shows the ready
tasks of their lanes and their own open tasks (a colleague's claimed task is not workable, so not there); the
API shows, for the states asked, the tasks of the caller's lanes and their own, or every task for the roles
that read everything.

Whatever the sort, the highest priority comes first: P1 tasks, then P2 ... P4, then the tasks of cases without
a priority; the sort orders the tasks within a priority (the tier sort: within a tier, by priority, then due
time). The work items carry their case's priority as a number (``WorkItem.priority``).

Every page is read as a union of small ordered range scans: one per (state, lane) and priority over
``ix_work_items_inbox`` (state, lane, priority, due_at, id), one over ``ix_work_items_assignee``, each cut at
the page size, so a page reads about ``limit`` rows per slice however many tasks are open; the priorities are
read one after the other until the page is full. A tier filter reads the work items' own copy of their case's
tier over ``ix_work_items_inbox_tier``. One case's tasks are read through the ``case_id`` index
instead. Statements are built once per shape of query (the values are bound parameters): a supervisor's forty
slices take milliseconds to build in Python. Then one query reads the page's rows with their cases and
assignees: no per-row queries.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import Select, bindparam, or_, select, union, union_all
from sqlalchemy.orm import Session

from engine.cases.access import reads_everything, workable_lanes
from engine.models import Case, Department, ProcessVersion, User, WorkItem, WorkItemState

_W = WorkItem.__table__  # Core columns: cheaper to build statements from than the ORM's
TIERS = ("urgent", "general", "advisory")
SORTS = ("due", "newest", "tier")
PAGE_SIZE = 50
# The inbox's priority order: P1 first ... P4, then the tasks of cases without a priority (WorkItem.priority).
PRIORITY_PLACES = (1, 2, 3, 4, None)
_MAX_ID = 2**63 - 1  # ids are BIGINT: a cursor beyond them was not handed out by us


@dataclass(frozen=True)
class InboxQuery:
    """Which tasks a page holds and in which order. ``lanes`` None means every lane (and tasks without one)."""

    queue_states: tuple[str, ...]
    lanes: tuple[str, ...] | None
    user_id: int | None = None  # their own tasks join the page
    own_states: tuple[str, ...] = WorkItemState.open_states()
    mine: bool = False  # only their own tasks
    lane: str | None = None
    case_id: int | None = None
    tier: str | None = None
    overdue: bool = False
    sort: str = "due"


def worker_query(user: User, **filters) -> InboxQuery:
    """An agent's or supervisor's inbox: the ready tasks of their lanes and their own open tasks."""
    return InboxQuery(
        queue_states=(WorkItemState.READY,), lanes=workable_lanes(user), user_id=user.id, **filters
    )


def api_query(user: User, states: tuple[str, ...], *, mine: bool = False, **filters) -> InboxQuery:
    """What ``GET /tasks`` lists: the tasks in ``states`` the caller may see (all, for supervisors and auditors)."""
    everything = reads_everything(user)
    return InboxQuery(
        queue_states=states,
        lanes=None if everything else workable_lanes(user),
        user_id=None if everything and not mine else user.id,
        own_states=states,
        mine=mine,
        **filters,
    )


class StaleCursor(ValueError):
    """A cursor this inbox handed out before it ordered tasks by priority: its place cannot be found again."""


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last row's sort key. ``rank`` is the tier's place for the tier sort, ``place``
    the priority's (0 for P1 ... 3 for P4, 4 for tasks of cases without a priority). Opaque to clients."""

    rank: int
    place: int
    due_at: datetime | None
    id: int

    def encode(self) -> str:
        raw = json.dumps([self.rank, self.place, self.due_at.isoformat() if self.due_at else None, self.id])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Raise StaleCursor for a cursor of the inbox before priorities, ValueError for anything else this
        inbox did not hand out."""
        try:
            values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            if isinstance(values, list) and len(values) == 3:
                rank, due, item_id = values  # the inbox's cursors before it ordered by priority
                place = None
            else:
                rank, place, due, item_id = values
            when = datetime.fromisoformat(due) if due is not None else None
            if when is not None:
                when.astimezone(UTC)  # a time beyond the calendar once in UTC was not handed out by us
        except (binascii.Error, UnicodeDecodeError, TypeError, ValueError, OverflowError, RecursionError):
            raise ValueError("not a cursor of this inbox") from None
        if (
            any(not isinstance(n, int) or isinstance(n, bool) for n in (rank, item_id))
            or not 0 <= rank <= len(TIERS)
            or not 0 <= item_id <= _MAX_ID
            or (when is not None and when.tzinfo is None)
        ):
            raise ValueError("not a cursor of this inbox")
        if place is None:
            raise StaleCursor("a cursor from before the inbox ordered tasks by priority")
        if not isinstance(place, int) or isinstance(place, bool) or not 0 <= place < len(PRIORITY_PLACES):
            raise ValueError("not a cursor of this inbox")
        return cls(rank, place, when, item_id)


@dataclass
class Row:
    item: WorkItem
    case: Case
    assignee: User | None


@dataclass
class Page:
    rows: list[Row] = field(default_factory=list)
    next: Cursor | None = None


def page(
    session: Session, query: InboxQuery, after: Cursor | None, now: datetime, limit: int = PAGE_SIZE
) -> Page:
    """One page: ``limit`` rows after ``after``, in the query's order, and the cursor of the next page."""
    lanes = query.lanes if query.lanes is not None else every_lane(session)
    lanes = tuple(lane for lane in lanes if query.lane in (None, lane))
    if query.mine and query.user_id is None:
        return Page()
    keys = _page_keys(session, query, lanes, after, now, limit + 1)
    more, keys = len(keys) > limit, keys[:limit]
    return Page(_rows(session, [k.id for k in keys]), keys[-1] if more else None)


@dataclass(frozen=True)
class _Shape:
    """What decides the form of a statement (the values are bound parameters): one statement per shape."""

    query: InboxQuery  # with the values that are bound (user, case, tier) blanked
    lanes: tuple[str, ...]
    tier_group: str  # "any", "one" (the tier filter or a tier sort group) or "rest" (no known tier)
    priority_group: str  # "one" (P1 ... P4) or "none" (a case without a priority)
    part: str  # "dated", "undated" or "newest"
    after: bool


def _page_keys(session, query: InboxQuery, lanes, after: Cursor | None, now, limit: int) -> list[Cursor]:
    params = {
        "user_id": query.user_id,
        "case_id": query.case_id,
        "now": now,
        "after_due": after.due_at if after else None,
        "after_id": after.id if after else None,
    }
    blank = InboxQuery(
        queue_states=query.queue_states,
        lanes=query.lanes,
        user_id=0 if query.user_id is not None else None,
        own_states=query.own_states,
        mine=query.mine,
        lane=query.lane,
        case_id=0 if query.case_id is not None else None,
        overdue=query.overdue,
    )

    def run(tier_group: str, tier: str | None, place: int, part: str, with_after: bool, n: int):
        priority = PRIORITY_PLACES[place]
        shape = _Shape(blank, lanes, tier_group, "one" if priority is not None else "none", part, with_after)
        statement = _statement(shape)
        if statement is None:
            return []
        return list(session.execute(statement, {**params, "tier": tier, "priority": priority, "limit": n}))

    # The tier sort reads urgent tasks first, then general, advisory, and cases not triaged yet.
    if query.sort == "tier" and query.tier is None:
        groups = [(rank, "one", tier) for rank, tier in enumerate(TIERS)] + [(len(TIERS), "rest", None)]
    else:
        groups = [(0, "one" if query.tier is not None else "any", query.tier)]
    keys: list[Cursor] = []
    for rank, group, tier in groups:
        # Within a tier (or all of them), P1 first ... P4, then the cases without a priority.
        for place in range(len(PRIORITY_PLACES)):
            if after is not None and (rank, place) < (after.rank, after.place):
                continue
            within = after if after is not None and (rank, place) == (after.rank, after.place) else None
            if query.sort == "newest":
                rows = run(group, tier, place, "newest", within is not None, limit - len(keys))
                keys += [Cursor(rank, place, due, i) for i, due in rows]
            else:
                # Soonest due first, then the undated tasks (by id).
                if within is None or within.due_at is not None:
                    rows = run(group, tier, place, "dated", within is not None, limit - len(keys))
                    keys += [Cursor(rank, place, due, i) for i, due in rows]
                if len(keys) < limit and not query.overdue:
                    undated_after = within is not None and within.due_at is None
                    rows = run(group, tier, place, "undated", undated_after, limit - len(keys))
                    keys += [Cursor(rank, place, due, i) for i, due in rows]
            if len(keys) >= limit:
                return keys
    return keys


@lru_cache(maxsize=1024)
def _statement(shape: _Shape) -> Select | None:
    """The ids and due times of one part of a page: a union of slices, ordered and cut at ``:limit``."""
    branches = _branches(shape.query, shape.lanes)
    if not branches:
        return None  # a lane filter outside every lane the caller may see
    due_type = _W.c.due_at.type
    common = []
    if shape.tier_group == "one":
        common.append(_W.c.tier == bindparam("tier"))
    elif shape.tier_group == "rest":
        common.append(or_(_W.c.tier.is_(None), _W.c.tier.not_in(TIERS)))
    if shape.priority_group == "one":
        common.append(_W.c.priority == bindparam("priority"))
    else:
        common.append(_W.c.priority.is_(None))
    if shape.query.overdue:
        common += [_W.c.due_at.is_not(None), _W.c.due_at < bindparam("now", type_=due_type)]
    if shape.part == "newest":
        if shape.after:
            common.append(_W.c.id < bindparam("after_id"))
        order = [_W.c.id.desc()]
    elif shape.part == "dated":
        common.append(_W.c.due_at.is_not(None))
        if shape.after:
            after_due = bindparam("after_due", type_=due_type)
            common += [
                _W.c.due_at >= after_due,
                or_(_W.c.due_at > after_due, _W.c.id > bindparam("after_id")),
            ]
        order = [_W.c.due_at, _W.c.id]
    else:
        common.append(_W.c.due_at.is_(None))
        if shape.after:
            common.append(_W.c.id > bindparam("after_id"))
        # Ordered by the (null) due time too: that keeps PostgreSQL on ix_work_items_inbox, where ordering by
        # id alone tempts it into walking the primary key and filtering thousands of rows.
        order = [_W.c.due_at, _W.c.id]

    def part(where: list) -> Select:
        return select(_W.c.id, _W.c.due_at).where(*where, *common).order_by(*order).limit(bindparam("limit"))

    # Slices overlap only through the person's own tasks: union drops those; otherwise no row comes twice.
    combine = union if shape.query.user_id is not None and not shape.query.mine else union_all
    parts = [select(part(where).subquery()) for where in branches]
    page_ids = (combine(*parts) if len(parts) > 1 else parts[0]).subquery()
    final_order = [page_ids.c.id.desc()] if shape.part == "newest" else [page_ids.c.due_at, page_ids.c.id]
    return select(page_ids.c.id, page_ids.c.due_at).order_by(*final_order).limit(bindparam("limit"))


def _branches(query: InboxQuery, lanes: tuple[str, ...]) -> list[list]:
    """The WHERE clauses of each slice."""
    base = [_W.c.case_id == bindparam("case_id")] if query.case_id is not None else []
    lane_filter = [_W.c.lane == query.lane] if query.lane is not None else []
    own = []
    if query.user_id is not None:
        own = [
            [*base, *lane_filter, _W.c.assignee_id == bindparam("user_id"), _W.c.state.in_(query.own_states)]
        ]
    if query.mine:
        return own
    if query.case_id is not None:
        # A case has a handful of tasks: its queue in one slice, through the case_id index.
        visible = [] if query.lanes is None else [_W.c.lane.in_(lanes)]
        if query.lanes is not None and not lanes:
            return own
        return [[*base, *lane_filter, *visible, _W.c.state.in_(query.queue_states)], *own]
    queues = [[_W.c.state == state, _W.c.lane == lane] for lane in lanes for state in query.queue_states]
    if query.lanes is None and query.lane is None:
        queues += [[_W.c.state == state, _W.c.lane.is_(None)] for state in query.queue_states]
    return queues + own


def _rows(session: Session, ids: list[int]) -> list[Row]:
    """The page's tasks with their cases and assignees, in one query, in the page's order."""
    if not ids:
        return []
    found = session.execute(
        select(WorkItem, Case, User)
        .join(Case, Case.id == WorkItem.case_id)
        .outerjoin(User, User.id == WorkItem.assignee_id)
        .where(WorkItem.id.in_(ids))
    ).all()
    by_id = {item.id: Row(item, case, user) for item, case, user in found}
    return [by_id[i] for i in ids if i in by_id]


def every_lane(session: Session) -> tuple[str, ...]:
    """Every lane a task can be in: the departments and the lanes of every deployed version."""
    lanes = set(session.scalars(select(Department.code)))
    for version_lanes in session.scalars(select(ProcessVersion.lanes)):
        lanes.update(version_lanes or [])
    return tuple(sorted(lanes))
