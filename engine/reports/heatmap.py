"""The heatmap of one process version: over the cases of a date range (and a tier, channel, category), how many
passed each element and took each flow, how long each person's task took (median and 90th percentile), how
many of its tasks broke their deadline and how many wait there now.

``heatmap`` reads the summary tables the engine step keeps (``visit_summaries``, ``task_time_summaries``;
engine/runtime/summaries.py): rows per day, so its time grows with the days and the triage combinations, not
with the cases. The percentiles come from the summaries' histograms (within a bucket's width of the exact
ones). A bound of the range that is not at the bank's midnight has its part-day counted live over the rows
(the page always asks for whole days). The tasks waiting now, and those waiting past their deadline, are
counted live over the open work items.

``live_heatmap`` counts the same by SQL over the rows the engine keeps: ``element_visits`` (written by each
step), the work items and the cases; no case state is loaded. It is exact, and slow at many cases.

Both count the same cases. The cases of a *called* process version (a tier's path) are those of the caller
versions deployed with it or after it, until the process's next version: the version each such caller was
deployed with (``engine.reports.diagrams.called_version``).

No Flask here: a Session, a version and a filter in, plain objects out.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, any_, distinct, func, literal_column, or_, select
from sqlalchemy.orm import Session

from engine.clock import as_utc
from engine.models import (
    Case,
    ElementVisit,
    ProcessVersion,
    TaskTimeSummary,
    VisitKind,
    VisitSummary,
    WorkItem,
    WorkItemState,
)
from engine.reports.diagrams import Diagram, diagram
from engine.runtime import summaries

TASK_KINDS = ("userTask", "manualTask")
# The open states as literals, as in the partial index's predicate (OPEN_STATES), so PostgreSQL uses it.
OPEN_ITEMS = WorkItem.state.in_([literal_column(f"'{state}'") for state in WorkItemState.open_states()])


@dataclass(frozen=True)
class Filter:
    """Which cases count: received in [received_from, received_before), of a tier, channel, category (if set)."""

    received_from: datetime | None = None
    received_before: datetime | None = None
    tier: str = ""
    channel: str = ""
    category: str = ""
    timezone: str = "Asia/Shanghai"  # the bank's, whose days the summaries count (the TIMEZONE setting)


@dataclass
class ElementHeat:
    cases: int = 0  # cases that completed the element at least once
    times: int = 0  # completions (a loop counts each pass)
    open: int = 0  # tasks waiting there now
    done: int = 0  # tasks completed there (the time figures are over these)
    median_seconds: float | None = None
    p90_seconds: float | None = None
    breaches: int = 0  # tasks completed after their deadline, or still open past it


@dataclass
class Heatmap:
    version: ProcessVersion
    diagram: Diagram
    cases: int  # the cases of the selection that entered this process (completed its start event)
    elements: dict[str, ElementHeat] = field(default_factory=dict)
    flows: dict[str, int] = field(default_factory=dict)  # flow id → times taken


def heatmap(session: Session, version: ProcessVersion, wanted: Filter, now: datetime) -> Heatmap:
    """The heatmap from the summary tables (and, live, the tasks waiting now and any part-day at a bound)."""
    shown = diagram(session, version)
    found = Heatmap(version, shown, 0)
    versions = list(session.scalars(callers(session, version)))
    tasks = sorted(e for e, kind in shown.kinds.items() if kind in TASK_KINDS)
    days, edges = _split(wanted, ZoneInfo(wanted.timezone))
    visits: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    timed: dict[str, dict[int, list[float]]] = defaultdict(dict)  # element → bucket → [tasks, seconds]
    late: Counter = Counter()
    if days is not None and versions:
        for span, first, end in _spans(*days):
            _read_summaries(
                session, version.process_key, versions, tasks, wanted, span, first, end, visits, timed, late
            )
    for part in edges:  # a part-day at a bound, counted live over its cases' rows
        scope = _scope(session, version, part)
        for kind, source, target, times, cases in session.execute(_visit_counts(version.process_key, scope)):
            counted = visits[(kind, source or "", target)]
            counted[0] += times
            counted[1] += cases
        if tasks:
            items = session.execute(
                select(WorkItem.spec_id, *summaries.ITEM_COLUMNS[1:]).where(
                    WorkItem.spec_id.in_(tasks),
                    WorkItem.case_id.in_(scope),
                    WorkItem.state.in_(summaries.ENDED),
                )
            )
            for (element, low), (count, breaches, seconds) in summaries.tally_case((), items).tasks.items():
                _add(timed, element, low, count, seconds)
                late[element] += breaches
    starts = {e for e, kind in shown.kinds.items() if kind == "startEvent"}
    for (kind, source, target), (times, cases) in sorted(visits.items()):
        if not (times or cases):
            continue  # what a re-triage moved elsewhere
        if kind == VisitKind.ELEMENT:
            found.elements[target] = ElementHeat(cases=cases, times=times)
            if target in starts:
                found.cases = max(found.cases, cases)
        elif (flow := shown.flow_id(source, target)) is not None:
            found.flows[flow] = found.flows.get(flow, 0) + times
    for element in sorted(set(timed) | set(late)):
        histogram = [(low, n, seconds) for low, (n, seconds) in timed[element].items() if low >= 0 and n]
        if not histogram and not late[element]:
            continue
        heat = found.elements.setdefault(element, ElementHeat())
        heat.done = sum(n for _low, n, _seconds in histogram)
        heat.median_seconds = summaries.percentile(histogram, 0.5)
        heat.p90_seconds = summaries.percentile(histogram, 0.9)
        heat.breaches += late[element]
    if tasks:
        _waiting(session, found, tasks, _scope(session, version, wanted), now)
    return found


def _split(wanted: Filter, zone: ZoneInfo) -> tuple[tuple[date | None, date | None] | None, list[Filter]]:
    """The whole local days of the range (first, end: end excluded; None for open), and the part-days at its
    bounds as filters of their own (empty when the bounds are at the bank's midnight, as the page's are)."""
    low, high = wanted.received_from, wanted.received_before
    low, high = (as_utc(low) if low else None), (as_utc(high) if high else None)
    if low is not None and high is not None and low >= high:
        return None, []
    first = end = None
    if low is not None:
        first = low.astimezone(zone).date()
        if _midnight(first, zone) != low:
            first += timedelta(days=1)
    if high is not None:
        end = high.astimezone(zone).date()
    if first is not None and end is not None and first >= end:
        return None, [wanted]  # within a day or two part-days: all of it live
    edges = []
    if low is not None and _midnight(first, zone) != low:
        edges.append(replace(wanted, received_from=low, received_before=_midnight(first, zone)))
    if high is not None and _midnight(end, zone) != high:
        edges.append(replace(wanted, received_from=_midnight(end, zone), received_before=high))
    return (first, end), edges


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return as_utc(datetime.combine(day, time(), tzinfo=zone))


def _spans(first: date | None, end: date | None) -> list[tuple[str, date | None, date | None]]:
    """The whole days [first, end) as the summaries' rows to read: the whole months among them from the month
    rows, the days before and after them from the day rows (None: open)."""
    months_from = first if first is None or first.day == 1 else _next_month(first)
    months_to = end if end is None else end.replace(day=1)
    if months_from is not None and months_to is not None and months_from >= months_to:
        return [(summaries.DAY_SPAN, first, end)]
    found = [(summaries.MONTH_SPAN, months_from, months_to)]
    if first is not None and first < months_from:
        found.append((summaries.DAY_SPAN, first, months_from))
    if end is not None and months_to < end:
        found.append((summaries.DAY_SPAN, months_to, end))
    return found


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _read_summaries(
    session, process_key, versions, tasks, wanted, span, first, end, visits, timed, late
) -> None:
    for table, where in (
        (VisitSummary, [VisitSummary.process_key == process_key]),
        (TaskTimeSummary, [TaskTimeSummary.element_id.in_(tasks)]),
    ):
        where += [table.span == span, table.version_id.in_(versions)]
        if first is not None:
            where.append(table.day >= first)
        if end is not None:
            where.append(table.day < end)
        for column, value in (
            (table.tier, wanted.tier),
            (table.channel, wanted.channel),
            (table.category, wanted.category),
        ):
            if value:
                where.append(column == value)
        if table is VisitSummary:
            query = select(
                table.kind, table.source_id, table.element_id, func.sum(table.times), func.sum(table.cases)
            ).group_by(table.kind, table.source_id, table.element_id)
            for kind, source, target, times, cases in session.execute(query.where(*where)):
                counted = visits[(kind, source, target)]
                counted[0] += int(times)
                counted[1] += int(cases)
        elif tasks:
            query = select(
                table.element_id,
                table.bucket,
                func.sum(table.tasks),
                func.sum(table.breaches),
                func.sum(table.seconds),
            ).group_by(table.element_id, table.bucket)
            for element, low, count, breaches, seconds in session.execute(query.where(*where)):
                _add(timed, element, low, int(count), float(seconds))
                late[element] += int(breaches)


def _add(timed: dict, element: str, low: int, count: int, seconds: float) -> None:
    found = timed[element].setdefault(low, [0, 0.0])
    found[0] += count
    found[1] += seconds


def _visit_counts(process_key: str, scope: Select) -> Select:
    return (
        select(
            ElementVisit.kind,
            ElementVisit.source_id,
            ElementVisit.element_id,
            func.count(),
            func.count(distinct(ElementVisit.case_id)),
        )
        .where(ElementVisit.process_key == process_key, ElementVisit.case_id.in_(scope))
        .group_by(ElementVisit.kind, ElementVisit.source_id, ElementVisit.element_id)
    )


def _waiting(session: Session, found: Heatmap, tasks: list[str], scope: Select, now: datetime) -> None:
    """The tasks waiting now per task element, and those of them past their deadline (breaches already).

    The open tasks are few and have an index of their own (``ix_work_items_open_case``). On PostgreSQL the cases
    in scope are looked up by the ids of the open tasks' cases, passed as one array: as a plain join it hashes
    every case in scope (a second at a million cases over a year) to keep a few thousand tasks."""
    open_here = and_(OPEN_ITEMS, WorkItem.spec_id.in_(tasks))
    if session.get_bind().dialect.name == "postgresql":
        ids = func.array(select(WorkItem.case_id).where(open_here).scalar_subquery())
        scope = scope.where(Case.id == any_(ids))
    for spec_id, waiting, overdue in session.execute(
        select(WorkItem.spec_id, func.count(), func.count().filter(WorkItem.due_at < now))
        .where(open_here, WorkItem.case_id.in_(scope))
        .group_by(WorkItem.spec_id)
    ):
        heat = found.elements.setdefault(spec_id, ElementHeat())
        heat.open = waiting
        heat.breaches += overdue


def live_heatmap(session: Session, version: ProcessVersion, wanted: Filter, now: datetime) -> Heatmap:
    """The heatmap counted over every row of the cases in scope (exact; seconds at a hundred thousand cases)."""
    shown = diagram(session, version)
    scope = _scope(session, version, wanted)
    # One pass over the process's rows: per element completed and per flow taken, the times and the cases.
    found = Heatmap(version, shown, 0)
    starts = {e for e, kind in shown.kinds.items() if kind == "startEvent"}
    for kind, source, target, times, cases in session.execute(_visit_counts(version.process_key, scope)):
        if kind == VisitKind.ELEMENT:
            found.elements[target] = ElementHeat(cases=cases, times=times)
            if target in starts:  # every case that entered the process completed a start event
                found.cases = max(found.cases, cases)
        elif (flow := shown.flow_id(source, target)) is not None:
            found.flows[flow] = found.flows.get(flow, 0) + times
    tasks = sorted(e for e, kind in shown.kinds.items() if kind in TASK_KINDS)
    if tasks:
        _task_figures(session, found, tasks, scope, now)
    return found


def callers(session: Session, version: ProcessVersion) -> Select:
    """The process versions whose cases ran ``version`` (itself, or calling it: deployed with it or after it,
    before the process's next version)."""
    following = session.scalar(
        select(func.min(ProcessVersion.deployment_id)).where(
            ProcessVersion.process_key == version.process_key,
            ProcessVersion.deployment_id > version.deployment_id,
        )
    )
    found = select(ProcessVersion.id).where(ProcessVersion.deployment_id >= version.deployment_id)
    if following is not None:
        found = found.where(ProcessVersion.deployment_id < following)
    return found


def _scope(session: Session, version: ProcessVersion, wanted: Filter) -> Select:
    """The ids of the cases whose path ran through ``version`` (directly, or called), filtered."""
    where = [Case.process_version_id.in_(callers(session, version))]
    if wanted.received_from is not None:
        where.append(Case.received_at >= wanted.received_from)
    if wanted.received_before is not None:
        where.append(Case.received_at < wanted.received_before)
    for column, value in (
        (Case.tier, wanted.tier),
        (Case.channel, wanted.channel),
        (Case.category, wanted.category),
    ):
        if value:
            where.append(column == value)
    return select(Case.id).where(*where)


def _task_figures(session: Session, found: Heatmap, tasks: list[str], scope: Select, now: datetime) -> None:
    """Open tasks, breaches and the median and 90th-percentile time of the tasks completed, per task element."""
    items = and_(WorkItem.spec_id.in_(tasks), WorkItem.case_id.in_(scope))
    is_open = WorkItem.state.in_(WorkItemState.open_states())
    late = or_(WorkItem.completed_at > WorkItem.due_at, and_(is_open, WorkItem.due_at < now))
    for spec_id, waiting, breaches in session.execute(
        select(
            WorkItem.spec_id,
            func.count().filter(is_open),
            func.count().filter(and_(WorkItem.due_at.is_not(None), late)),
        )
        .where(items)
        .group_by(WorkItem.spec_id)
    ):
        heat = found.elements.setdefault(spec_id, ElementHeat())
        heat.open, heat.breaches = waiting, breaches
    done = and_(items, WorkItem.state == WorkItemState.COMPLETED, WorkItem.completed_at.is_not(None))
    if session.get_bind().dialect.name == "postgresql":
        seconds = func.extract("epoch", WorkItem.completed_at - WorkItem.created_at)
        for spec_id, count, median, p90 in session.execute(
            select(
                WorkItem.spec_id,
                func.count(),
                func.percentile_cont(0.5).within_group(seconds),
                func.percentile_cont(0.9).within_group(seconds),
            )
            .where(done)
            .group_by(WorkItem.spec_id)
        ):
            heat = found.elements.setdefault(spec_id, ElementHeat())
            heat.done, heat.median_seconds, heat.p90_seconds = count, float(median), float(p90)
        return
    # SQLite has no percentile aggregate: the same interpolated percentiles over the durations, read in order.
    durations: dict[str, list[float]] = defaultdict(list)
    for spec_id, created, completed in session.execute(
        select(WorkItem.spec_id, WorkItem.created_at, WorkItem.completed_at).where(done)
    ):
        durations[spec_id].append((as_utc(completed) - as_utc(created)).total_seconds())
    for spec_id, values in durations.items():
        heat = found.elements.setdefault(spec_id, ElementHeat())
        values.sort()
        heat.done, heat.median_seconds, heat.p90_seconds = (
            len(values),
            percentile(values, 0.5),
            percentile(values, 0.9),
        )


def percentile(ordered: list[float], fraction: float) -> float:
    """The continuous percentile of sorted values (PostgreSQL's ``percentile_cont``): linear between ranks."""
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
