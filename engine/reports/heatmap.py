"""The heatmap of one process version: over the cases of a date range (and a tier, channel, category), how many
passed each element and took each flow, how long each person's task took (median and 90th percentile), how
many of its tasks broke their deadline and how many wait there now.

Everything is counted by SQL over rows the engine keeps: ``element_visits`` (written by each step), the work
items and the cases; no case state is loaded. The cases of a *called* process version (a tier's path) are those
of the caller versions deployed with it or after it, until the process's next version: the version each such
caller was deployed with (``engine.reports.diagrams.called_version``).

No Flask here: a Session, a version and a filter in, plain objects out.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, distinct, func, or_, select
from sqlalchemy.orm import Session

from engine.clock import as_utc
from engine.models import Case, ElementVisit, ProcessVersion, VisitKind, WorkItem, WorkItemState
from engine.reports.diagrams import Diagram, diagram

TASK_KINDS = ("userTask", "manualTask")


@dataclass(frozen=True)
class Filter:
    """Which cases count: received in [received_from, received_before), of a tier, channel, category (if set)."""

    received_from: datetime | None = None
    received_before: datetime | None = None
    tier: str = ""
    channel: str = ""
    category: str = ""


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
    cases: int  # the cases of the selection that reached this process
    elements: dict[str, ElementHeat] = field(default_factory=dict)
    flows: dict[str, int] = field(default_factory=dict)  # flow id → times taken


def heatmap(session: Session, version: ProcessVersion, wanted: Filter, now: datetime) -> Heatmap:
    shown = diagram(session, version)
    scope = _scope(session, version, wanted)
    in_scope = ElementVisit.case_id.in_(scope)
    reached = session.scalar(
        select(func.count(distinct(ElementVisit.case_id))).where(
            ElementVisit.process_key == version.process_key, in_scope
        )
    )
    found = Heatmap(version, shown, reached or 0)
    for element_id, cases, times in session.execute(
        select(ElementVisit.element_id, func.count(distinct(ElementVisit.case_id)), func.count())
        .where(
            ElementVisit.process_key == version.process_key, ElementVisit.kind == VisitKind.ELEMENT, in_scope
        )
        .group_by(ElementVisit.element_id)
    ):
        found.elements[element_id] = ElementHeat(cases=cases, times=times)
    for source, target, times in session.execute(
        select(ElementVisit.source_id, ElementVisit.element_id, func.count())
        .where(ElementVisit.process_key == version.process_key, ElementVisit.kind == VisitKind.FLOW, in_scope)
        .group_by(ElementVisit.source_id, ElementVisit.element_id)
    ):
        flow = shown.flow_id(source, target)
        if flow is not None:
            found.flows[flow] = found.flows.get(flow, 0) + times
    tasks = sorted(e for e, kind in shown.kinds.items() if kind in TASK_KINDS)
    if tasks:
        _task_figures(session, found, tasks, scope, now)
    return found


def _scope(session: Session, version: ProcessVersion, wanted: Filter) -> Select:
    """The ids of the cases whose path ran through ``version`` (directly, or called), filtered."""
    following = session.scalar(
        select(func.min(ProcessVersion.deployment_id)).where(
            ProcessVersion.process_key == version.process_key,
            ProcessVersion.deployment_id > version.deployment_id,
        )
    )
    callers = select(ProcessVersion.id).where(ProcessVersion.deployment_id >= version.deployment_id)
    if following is not None:
        callers = callers.where(ProcessVersion.deployment_id < following)
    where = [Case.process_version_id.in_(callers)]
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
