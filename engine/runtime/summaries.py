"""The heatmap's summary tables (``visit_summaries``, ``task_time_summaries``), kept by the engine step.

A case's contribution to the summaries is a *tally* of its own rows: per element completed and flow taken, how
many times (and 1 case, if at least once); per task element, its completed tasks by the time they took (a
``bucket``) and the tasks that ended past their deadline. The tally sits under the case's *dimensions*: the
bank's local day it was received on, its process version, its tier, channel and category.

At the end of each step's save (``after_step``, in the step's transaction, so a crash or a rollback never counts
anything twice or half) the case's tally is read from its rows after the step, the step's own rows are taken
out of it to get the tally before the step, and the difference is added to the summaries. When the step
changed the case's dimensions (a re-triage, a move to another version), the tally before is taken away from
the old dimensions and the whole tally after is added under the new ones, so the summaries always count the
case where the live computation (``engine.reports.heatmap.live_heatmap``) would.

``backfill`` rebuilds both tables from ``element_visits`` and the work items, for a database upgraded from a
version without them (``flask --app app cases backfill-visits``); run again, it gives the same tables.

The days are the bank's local days (the ``TIMEZONE`` setting, Asia/Shanghai by default): the auditor picks
days in the bank's time zone, so a range of days is a range of rows. Changing ``TIMEZONE`` needs a backfill.
A case with no receipt time counts on the day it was created.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.clock import as_utc
from engine.models import Case, ElementVisit, TaskTimeSummary, VisitSummary, WorkItem, WorkItemState

DAY, HOUR, MINUTE = 86400, 3600, 60
DAY_SPAN, MONTH_SPAN = "day", "month"
NOT_TIMED = -1  # the bucket of the tasks that ended without being completed (cancelled past their deadline)
ENDED = (WorkItemState.COMPLETED, WorkItemState.CANCELLED)
_VISITS, _TASKS = VisitSummary.__table__, TaskTimeSummary.__table__


def bucket(seconds: float) -> tuple[int, int]:
    """The bucket of a task's time: its lower bound and its width in seconds (a minute under a day, an hour
    under 30 days, a day beyond)."""
    seconds = max(seconds, 0.0)
    width = MINUTE if seconds < DAY else HOUR if seconds < 30 * DAY else DAY
    return int(seconds // width) * width, width


def width_of(low: int) -> int:
    return bucket(low)[1]


@dataclass(frozen=True)
class Dims:
    """Where a case's tally sits."""

    day: date
    version_id: int
    tier: str
    channel: str
    category: str

    @classmethod
    def of(cls, case: Case, zone: ZoneInfo) -> Dims:
        received = case.received_at or case.created_at
        return cls(
            as_utc(received).astimezone(zone).date(),
            case.process_version_id,
            case.tier or "",
            case.channel or "",
            case.category or "",
        )


@dataclass
class Tally:
    """One case's (or a set of cases') counts, before they are put under dimensions."""

    # (process_key, kind, source_id or '', element_id) → [times, cases]
    visits: dict[tuple[str, str, str, str], list[int]]
    # (element_id, bucket) → [tasks, breaches, seconds (their times added up)]
    tasks: dict[tuple[str, int], list[float]]

    @classmethod
    def empty(cls) -> Tally:
        return cls({}, {})

    def add(self, other: Tally, sign: int = 1) -> None:
        for target, source in ((self.visits, other.visits), (self.tasks, other.tasks)):
            for key, values in source.items():
                mine = target.setdefault(key, [0] * len(values))
                for i, value in enumerate(values):
                    mine[i] += sign * value

    def nonzero(self) -> Tally:
        keep = lambda found: {k: v for k, v in found.items() if any(v)}  # noqa: E731
        return Tally(keep(self.visits), keep(self.tasks))


def tally_case(visit_keys: Iterable[tuple], items: Iterable[tuple]) -> Tally:
    """The tally of one case from its ``element_visits`` (process_key, kind, source_id, element_id) and its
    ended work items (spec_id, state, created_at, due_at, completed_at)."""
    counted = Counter((p, k, s or "", e) for p, k, s, e in visit_keys)
    found = Tally({key: [n, 1] for key, n in counted.items() if n > 0}, {})
    for spec_id, state, created, due, completed in items:
        late = int(due is not None and completed is not None and as_utc(completed) > as_utc(due))
        if state == WorkItemState.COMPLETED and completed is not None:
            seconds = max((as_utc(completed) - as_utc(created)).total_seconds(), 0.0)
            row = found.tasks.setdefault((spec_id, bucket(seconds)[0]), [0, 0, 0.0])
            row[0] += 1
            row[1] += late
            row[2] += seconds
        elif late:
            found.tasks.setdefault((spec_id, NOT_TIMED), [0, 0, 0.0])[1] += 1
    return found


ITEM_COLUMNS = (
    WorkItem.spec_id,
    WorkItem.state,
    WorkItem.created_at,
    WorkItem.due_at,
    WorkItem.completed_at,
)


def after_step(
    session: Session,
    case: Case,
    before: Dims | None,
    new_visits: list[dict],
    ended_task_ids: Iterable[str],
    zone: ZoneInfo,
) -> None:
    """Add what one step changed to the summaries (``before``: the case's dimensions when the step began, None
    for a new case). Called after the step wrote its rows and the case's columns."""
    after = Dims.of(case, zone)
    moved = before is not None and before != after
    ended = sorted(set(ended_task_ids))
    if not new_visits and not ended and not moved:
        return
    visit_keys = []
    if new_visits or moved:
        visit_keys = session.execute(
            select(
                ElementVisit.process_key, ElementVisit.kind, ElementVisit.source_id, ElementVisit.element_id
            ).where(ElementVisit.case_id == case.id)
        ).all()
    items_now, items_before = [], []
    if ended or moved:
        for row in session.execute(
            select(WorkItem.task_id, *ITEM_COLUMNS).where(
                WorkItem.case_id == case.id, WorkItem.state.in_(ENDED)
            )
        ):
            items_now.append(tuple(row[1:]))
            if row[0] not in ended:
                items_before.append(tuple(row[1:]))
    now = tally_case(visit_keys, items_now)
    step_keys = Counter(
        (v["process_key"], v["kind"], v["source_id"] or "", v["element_id"]) for v in new_visits
    )
    earlier = Counter((p, k, s or "", e) for p, k, s, e in visit_keys)
    earlier.subtract(step_keys)
    was = tally_case(earlier.elements(), items_before)
    if moved:
        gone = Tally.empty()
        gone.add(was, -1)
        write(session, {before: gone, after: now})
    else:
        now.add(was, -1)
        write(session, {after: now})


def write(session: Session, tallies: dict[Dims, Tally]) -> None:
    """Add tallies to the summary rows, under their day and again under their month (upserts, in a fixed order
    so two steps lock rows in the same order)."""
    visits: dict[tuple, list] = {}
    tasks: dict[tuple, list] = {}
    for dims, tally in tallies.items():
        tally = tally.nonzero()
        for span, day in ((DAY_SPAN, dims.day), (MONTH_SPAN, dims.day.replace(day=1))):
            where = (span, day, dims.version_id, dims.tier, dims.channel, dims.category)
            for key, values in tally.visits.items():
                _sum_into(visits, (*where, *key), values)
            for key, values in tally.tasks.items():
                _sum_into(tasks, (*where, *key), values)
    dims_columns = ("span", "day", "version_id", "tier", "channel", "category")
    for table, found, names in (
        (
            _VISITS,
            visits,
            (*dims_columns, "process_key", "kind", "source_id", "element_id", "times", "cases"),
        ),
        (_TASKS, tasks, (*dims_columns, "element_id", "bucket", "tasks", "breaches", "seconds")),
    ):
        rows = [dict(zip(names, (*key, *values), strict=True)) for key, values in sorted(found.items())]
        if rows:
            keys = [c.name for c in table.primary_key.columns]
            session.execute(_upsert(session, table, keys, names[len(keys) :]), rows)


def _sum_into(found: dict[tuple, list], key: tuple, values: list) -> None:
    mine = found.setdefault(key, [0] * len(values))
    for i, value in enumerate(values):
        mine[i] += value


def _upsert(session: Session, table, keys: list[str], sums: tuple[str, ...]):
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    return statement.on_conflict_do_update(
        index_elements=keys, set_={name: table.c[name] + statement.excluded[name] for name in sums}
    )


@dataclass
class Backfilled:
    cases: int = 0
    visit_rows: int = 0
    work_items: int = 0
    visit_summaries: int = 0
    task_time_summaries: int = 0


def backfill(session: Session, zone: ZoneInfo, batch: int = 2000) -> Backfilled:
    """Rebuild both summary tables from ``element_visits`` and the ended work items, in the caller's
    transaction (the caller commits). On PostgreSQL the tables are locked first, so steps that run meanwhile
    wait and add their own rows after it; on SQLite the write transaction does the same. Idempotent."""
    done = Backfilled()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE visit_summaries, task_time_summaries IN EXCLUSIVE MODE"))
    session.execute(delete(VisitSummary))
    session.execute(delete(TaskTimeSummary))
    last = 0
    while True:
        cases = (
            session.execute(select(Case).where(Case.id > last).order_by(Case.id).limit(batch)).scalars().all()
        )
        if not cases:
            break
        low, high = cases[0].id, cases[-1].id
        last = high
        visits: dict[int, list[tuple]] = {}
        for case_id, *key in session.execute(
            select(
                ElementVisit.case_id,
                ElementVisit.process_key,
                ElementVisit.kind,
                ElementVisit.source_id,
                ElementVisit.element_id,
            ).where(ElementVisit.case_id.between(low, high))
        ):
            visits.setdefault(case_id, []).append(tuple(key))
        items: dict[int, list[tuple]] = {}
        for case_id, *item in session.execute(
            select(WorkItem.case_id, *ITEM_COLUMNS).where(
                WorkItem.case_id.between(low, high), WorkItem.state.in_(ENDED)
            )
        ):
            items.setdefault(case_id, []).append(tuple(item))
        tallies: dict[Dims, Tally] = {}
        for case in cases:
            mine = tally_case(visits.get(case.id, ()), items.get(case.id, ()))
            tallies.setdefault(Dims.of(case, zone), Tally.empty()).add(mine)
            done.visit_rows += len(visits.get(case.id, ()))
            done.work_items += len(items.get(case.id, ()))
        done.cases += len(cases)
        write(session, tallies)
        session.expunge_all()
    done.visit_summaries = session.scalar(select(func.count()).select_from(VisitSummary))
    done.task_time_summaries = session.scalar(select(func.count()).select_from(TaskTimeSummary))
    return done


def percentile(histogram: list[tuple[int, int, float]], fraction: float) -> float | None:
    """The continuous percentile (as PostgreSQL's ``percentile_cont``) estimated from (bucket, count, seconds)
    triples: the tasks of a bucket are placed evenly across it, shifted to their mean and kept inside it (one
    task alone sits at its exact time), and the two ranks the percentile lies between are interpolated, so
    the estimate is off by less than the wider of their two buckets."""
    ordered = sorted((low, n, seconds) for low, n, seconds in histogram if n > 0 and low >= 0)
    total = sum(n for _low, n, _seconds in ordered)
    if not total:
        return None
    position = fraction * (total - 1)
    first, second = math.floor(position), math.ceil(position)

    def at(rank: int) -> float:
        seen = 0
        for low, n, seconds in ordered:
            if rank < seen + n:
                width = width_of(low)
                shift = seconds / n - (low + width / 2)
                placed = low + (rank - seen + 0.5) / n * width + shift
                return min(max(placed, float(low)), float(low + width))
            seen += n
        raise AssertionError("rank beyond the histogram")

    low_value = at(first)
    return low_value + (at(second) - low_value) * (position - first)
