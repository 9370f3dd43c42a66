"""The agent's inbox: the tasks a person may work, filtered, sorted and paged by keyset. No Flask here.

What an inbox holds: the ready tasks of the person's lanes (their departments, and the supervisor lane for
supervisors) and the open tasks assigned to them. A colleague's claimed task is not in it: it is not workable.

Every page is read as a union of small ordered range scans, as the API's inbox does (web/api/queries.py): one
per lane over ``ix_work_items_inbox`` (state, lane, due_at, id) and one over ``ix_work_items_assignee``, each cut
at the page size, so a page reads about ``limit`` rows per slice however many tasks are open. A tier filter reads
the work items' own copy of their case's tier, over ``ix_work_items_inbox_tier`` (state, lane, tier, due_at, id).
Then one query reads the page's rows with their cases and assignees' names: no per-row queries.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, bindparam, or_, select, union
from sqlalchemy.orm import Session

from engine.models import Case, User, WorkItem, WorkItemState

_W = WorkItem.__table__
TIERS = ("urgent", "general", "advisory")
SORTS = ("due", "newest", "tier")
PAGE_SIZE = 50


@dataclass(frozen=True)
class InboxQuery:
    """What the inbox shows: the person's lanes and id, and the filters of the page's query string."""

    lanes: tuple[str, ...]
    user_id: int
    lane: str | None = None
    tier: str | None = None
    overdue: bool = False
    mine: bool = False
    sort: str = "due"


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last row's sort key. ``rank`` is the tier's place for the tier sort."""

    rank: int
    due_at: datetime | None
    id: int

    def encode(self) -> str:
        raw = json.dumps([self.rank, self.due_at.isoformat() if self.due_at else None, self.id])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Raise ValueError for anything this page did not hand out."""
        try:
            rank, due, item_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            when = datetime.fromisoformat(due) if due is not None else None
        except (binascii.Error, UnicodeDecodeError, TypeError, ValueError):
            raise ValueError("not a cursor of this inbox") from None
        if any(not isinstance(n, int) or isinstance(n, bool) for n in (rank, item_id)) or (
            when is not None and when.tzinfo is None
        ):
            raise ValueError("not a cursor of this inbox")
        return cls(rank, when, item_id)


@dataclass
class Row:
    item: WorkItem
    case: Case
    assignee: str | None  # the assignee's display name (or username)


@dataclass
class Page:
    rows: list[Row] = field(default_factory=list)
    next: Cursor | None = None


def inbox(
    session: Session, query: InboxQuery, after: Cursor | None, now: datetime, limit: int = PAGE_SIZE
) -> Page:
    """One page of the inbox, ``limit`` rows after ``after``, in the query's order."""
    keys = _page_keys(session, query, after, now, limit + 1)
    more, keys = len(keys) > limit, keys[:limit]
    rows = _rows(session, [k.id for k in keys])
    return Page(rows, keys[-1] if more else None)


def _page_keys(session, query: InboxQuery, after: Cursor | None, now, limit: int) -> list[Cursor]:
    if query.sort == "newest":
        statement = _statement(query, tier=query.tier, newest=True, dated=None, after=after)
        params = {"now": now, "after_id": after.id if after else None}
        return [Cursor(0, due, i) for i, due in session.execute(statement, {**params, "limit": limit})]
    # The tier sort reads urgent tasks first, then general, advisory, and cases not triaged yet.
    every_tier = query.sort == "tier" and query.tier is None
    groups = list(enumerate([*TIERS, None])) if every_tier else [(0, query.tier)]
    keys: list[Cursor] = []
    for rank, tier in groups:
        if after is not None and rank < after.rank:
            continue
        within = after if after is not None and rank == after.rank else None
        keys += _due_order(session, query, tier, rank, within, now, limit - len(keys))
        if len(keys) >= limit:
            break
    return keys


def _due_order(session, query, tier, rank: int, after: Cursor | None, now, limit: int) -> list[Cursor]:
    """Soonest due first, then the undated tasks (by id), as the API's inbox orders them."""
    params = {
        "now": now,
        "after_due": after.due_at if after else None,
        "after_id": after.id if after else None,
    }
    keys: list[Cursor] = []
    if after is None or after.due_at is not None:
        statement = _statement(query, tier=tier, newest=False, dated=True, after=after)
        keys += [Cursor(rank, d, i) for i, d in session.execute(statement, {**params, "limit": limit})]
    if len(keys) < limit and not query.overdue:
        statement = _statement(query, tier=tier, newest=False, dated=False, after=after)
        rows = session.execute(statement, {**params, "limit": limit - len(keys)})
        keys += [Cursor(rank, d, i) for i, d in rows]
    return keys


def _statement(query: InboxQuery, *, tier, newest: bool, dated: bool | None, after: Cursor | None) -> Select:
    """The ids (and due times) of one part of a page: a union of slices, ordered and cut at ``:limit``."""
    due_type = _W.c.due_at.type
    lanes = [lane for lane in query.lanes if query.lane in (None, lane)]
    branches = (
        [] if query.mine else [[_W.c.state == WorkItemState.READY, _W.c.lane == lane] for lane in lanes]
    )
    mine = [
        _W.c.assignee_id == bindparam("user_id", query.user_id),
        _W.c.state.in_(WorkItemState.open_states()),
    ]
    if query.lane is not None:
        mine.append(_W.c.lane == query.lane)
    branches.append(mine)

    common = []
    last_group = query.sort == "tier" and query.tier is None and tier is None
    if tier is not None:
        common.append(_W.c.tier == tier)
    elif (
        last_group
    ):  # the tier sort's last group: cases not triaged yet, or of a tier this page does not know
        common.append(or_(_W.c.tier.is_(None), _W.c.tier.not_in(TIERS)))
    if query.overdue:
        common += [_W.c.due_at.is_not(None), _W.c.due_at < bindparam("now", type_=due_type)]
    if newest:
        if after is not None:
            common.append(_W.c.id < bindparam("after_id"))
        order = [_W.c.id.desc()]
    elif dated:
        common.append(_W.c.due_at.is_not(None))
        if after is not None:
            after_due = bindparam("after_due", type_=due_type)
            common += [
                _W.c.due_at >= after_due,
                or_(_W.c.due_at > after_due, _W.c.id > bindparam("after_id")),
            ]
        order = [_W.c.due_at, _W.c.id]
    else:
        common.append(_W.c.due_at.is_(None))
        if after is not None and after.due_at is None:
            common.append(_W.c.id > bindparam("after_id"))
        # Ordered by the (null) due time too: that keeps PostgreSQL on ix_work_items_inbox (see the API's inbox).
        order = [_W.c.due_at, _W.c.id]

    def part(where: list) -> Select:
        return select(_W.c.id, _W.c.due_at).where(*where, *common).order_by(*order).limit(bindparam("limit"))

    # Slices overlap only through the person's own tasks (a ready task assigned to them): union drops those.
    page = union(*[select(part(where).subquery()) for where in branches]).subquery()
    final_order = [page.c.id.desc()] if newest else [page.c.due_at, page.c.id]
    return select(page.c.id, page.c.due_at).order_by(*final_order).limit(bindparam("limit"))


def _rows(session: Session, ids: list[int]) -> list[Row]:
    """The page's tasks with their cases and assignees' names, in one query, in the page's order."""
    if not ids:
        return []
    found = session.execute(
        select(WorkItem, Case, User.display_name, User.username)
        .join(Case, Case.id == WorkItem.case_id)
        .outerjoin(User, User.id == WorkItem.assignee_id)
        .where(WorkItem.id.in_(ids))
    ).all()
    by_id = {item.id: Row(item, case, display or username) for item, case, display, username in found}
    return [by_id[i] for i in ids if i in by_id]
