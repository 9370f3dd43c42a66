"""The figures' daily roll-up: each figure's numbers per local day, kept so that a range of months reads a few
hundred rows per figure instead of every case in it.

``figure_days`` holds, per figure, local day (the bank's time zone) and group, the sums of the figure's flag
columns and the sums and counts of its averaged or summed values, once per tier × channel × category of the case
(what the filters narrow by) and once for the day as a whole. Everything a figure shows is a sum of these, so a
range of whole days is the sum of its days (an average is a sum over a count). The resolution time's percentiles
come from a histogram kept the same way (``RESOLUTION_HISTOGRAM``: a count per bucket of a minute under a day, an
hour up to 60 days, a day beyond).

Triggers on the projection tables (migration 0024) log the moment of every change a figure would see in
``figure_dirty``; ``refresh`` rebuilds the days those moments fall on, and the days not built yet up to
yesterday (today changes all day: it is always computed live), each stretch of days in one transaction that
also deletes the log rows it covers. A change logged while a stretch is being rebuilt stays in the log for the
next refresh. ``figures.compute`` reads the roll-up only for days that are built and not logged since.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from time import perf_counter
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, String, case, cast, delete, func, insert, literal, null, select, text
from sqlalchemy.orm import Session

from engine.errors import ValidationFailed
from engine.models import Case, TaskAnswer, WorkItem
from engine.models.figures import COUNT_SLOTS, VALUE_SLOTS, FigureBuilt, FigureDay, FigureDirty
from engine.reports import figures_kpis, regulatory
from engine.reports.figures import Filters, Kpi, Sql, percentile, values
from engine.reports.rollup_read import SPLIT, changed_days, grouped, level_name, plan, stored_key
from engine.store.db import begin_write

CHUNK_DAYS = 31  # the most days one transaction rebuilds
LOCK = 0x46494755  # PostgreSQL advisory lock: one rebuild of a stretch at a time
MINUTE, HOUR, DAY = 60, 3600, 86400


def _resolution_histogram(f: Filters, sql: Sql):
    """The closed cases per bucket of resolution time (``grp``: the bucket's lower bound in seconds)."""
    closed = figures_kpis.RESOLUTION.source(f, sql).subquery("closed")
    seconds = closed.c.hours * HOUR
    bucket = case(
        (seconds < DAY, sql.floor(seconds / MINUTE) * MINUTE),
        (seconds < 60 * DAY, sql.floor(seconds / HOUR) * HOUR),
        else_=sql.floor(seconds / DAY) * DAY,
    )
    return select(bucket.label("grp"), closed.c.case_id, closed.c.cases, closed.c.at)


RESOLUTION_HISTOGRAM = Kpi(
    "resolution_histogram", "Resolution time histogram", "cases", ("cases",), _resolution_histogram
)


def bucket_width(lower: float) -> int:
    """The width in seconds of the histogram's bucket that starts at ``lower``."""
    return MINUTE if lower < DAY else HOUR if lower < 60 * DAY else DAY


def rolled() -> dict[str, Kpi]:
    """Every figure the roll-up keeps, by key."""
    kpis = [*figures_kpis.KPIS.values(), *regulatory.KPIS.values(), RESOLUTION_HISTOGRAM]
    return {k.key: k for k in kpis}


for _kpi in rolled().values():  # a figure with more numbers than the table has columns cannot be rolled up
    assert len(_kpi.columns) <= COUNT_SLOTS and len(values(_kpi)) <= VALUE_SLOTS, _kpi.key
    assert len(level_name(f"{_kpi.key}:12345678", "category")) <= 40, _kpi.key  # figure_days.figure


def resolution_percentile(session: Session, filters: Filters, fraction: float) -> float | None:
    """The ``fraction`` percentile of the resolution time in hours (nearest rank). Exact when computed live;
    through the roll-up, the middle of the histogram bucket the rank falls in (within half a minute under a
    day, half an hour up to 60 days, half a day beyond)."""
    kpi = RESOLUTION_HISTOGRAM
    chosen = plan(session, kpi, filters)
    if chosen is None:
        return percentile(session, figures_kpis.resolution_hours(filters, Sql.of(session, filters)), fraction)
    groups = grouped(session, kpi, filters, chosen)
    buckets = sorted(
        (float(group), sums.counts["cases"]) for group, sums in groups.items() if group is not None
    )
    count = sum(n for _lower, n in buckets)
    if not count:
        return None
    rank = max(int(-(-count * fraction // 1)), 1)  # nearest rank, counted from 1
    seen = 0
    for lower, n in buckets:
        seen += n
        if seen >= rank:
            return (lower + bucket_width(lower) / 2) / HOUR
    return None  # not reached: the ranks add up to count


@dataclass
class Refreshed:
    figures: int
    days: int  # figure-days rebuilt
    stretches: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"{self.days} figure-days of {self.figures} figures rebuilt in {self.stretches} stretches,"
            f" {self.seconds:.1f} s"
        )


def refresh(
    sessions: Callable[[], Session],
    now: datetime,
    timezone: str,
    *,
    figures: Iterable[str] | None = None,
    rebuild: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Refreshed:
    """Rebuild the days changed since the last refresh and the days not built yet, up to yesterday.

    ``figures`` limits it to some figures (by key); then the log of changes is left for the next full refresh.
    ``rebuild`` first forgets what is built (of those figures), so every day is rebuilt. Rows filed under a name
    no figure has now (a definition changed: see ``rollup_read.stored_key``) are dropped first.
    """
    started = perf_counter()
    kpis = _chosen(figures)
    everything = figures is None
    zone = ZoneInfo(timezone)
    yesterday = now.astimezone(zone).date() - timedelta(days=1)
    with sessions() as session:
        stored = {key: stored_key(session, kpi) for key, kpi in rolled().items()}
        filed = set(session.scalars(select(FigureBuilt.figure).distinct()))
        # rows of figures whose definition changed (or that are gone), and with --rebuild the chosen figures'
        dropped = (filed - set(stored.values())) | ({stored[key] for key in kpis} if rebuild else set())
        if dropped:
            begin_write(session)
            _lock(session)
            levels = [level_name(n, dimension) for n in dropped for dimension in SPLIT]
            session.execute(delete(FigureDay).where(FigureDay.figure.in_([*dropped, *levels])))
            session.execute(delete(FigureBuilt).where(FigureBuilt.figure.in_(dropped)))
            session.commit()
    with sessions() as session:
        first = _first_day(session, zone)
        changed = {date.fromisoformat(d) for d in session.scalars(changed_days(session, timezone, now))}
        built: dict[str, set[date]] = {key: set() for key in kpis}
        names = {stored[key]: key for key in kpis}
        rows = select(FigureBuilt.figure, FigureBuilt.day).where(FigureBuilt.timezone == timezone)
        for name, day in session.execute(rows):
            if name in names:
                built[names[name]].add(date.fromisoformat(day))
    wanted: dict[date, set[str]] = {}  # day -> the figures to rebuild on it
    if first is not None:
        for key in kpis:
            for day in _days(first, yesterday):
                if day not in built[key] or day in changed:
                    wanted.setdefault(day, set()).add(key)
    stretches = _stretches(sorted(wanted))
    done = 0
    for number, (start, end) in enumerate(stretches, 1):
        keys = sorted(set().union(*(wanted[d] for d in _days(start, end))))
        with sessions() as session:
            begin_write(session)
            _lock(session)
            span = Filters.for_days(start, end, timezone)
            # The log of these days is used up only when every figure is rebuilt on them (a stretch that builds
            # a new figure alone leaves it); first, so that a change logged from here on stays for the next run.
            if everything and len(keys) == len(kpis):
                session.execute(
                    delete(FigureDirty).where(FigureDirty.at >= span.start, FigureDirty.at < span.end)
                )
            for key in keys:
                _rebuild(session, kpis[key], start, end, timezone, now)
            session.commit()
        done += len(keys) * ((end - start).days + 1)
        if progress:
            progress(f"{start} to {end}: {len(keys)} figures ({number}/{len(stretches)})")
    return Refreshed(len(kpis), done, len(stretches), perf_counter() - started)


def _chosen(figures: Iterable[str] | None) -> dict[str, Kpi]:
    every = rolled()
    if figures is None:
        return every
    keys = list(figures)
    unknown = [k for k in keys if k not in every]
    if unknown:
        raise ValidationFailed(
            f"no figure {', '.join(unknown)}; the figures are {', '.join(every)}", {"figure": "unknown"}
        )
    return {k: every[k] for k in keys}


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK})


def _first_day(session: Session, zone: ZoneInfo) -> date | None:
    """The local day of the earliest moment any figure counts."""
    moments = [
        session.scalar(select(func.min(Case.received_at))),
        session.scalar(select(func.min(WorkItem.created_at))),
        session.scalar(select(func.min(TaskAnswer.answered_at))),
    ]
    moments = [m for m in moments if m is not None]
    return min(moments).astimezone(zone).date() if moments else None


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _stretches(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) stretches of at most CHUNK_DAYS."""
    stretches: list[tuple[date, date]] = []
    for day in days:
        if stretches:
            start, end = stretches[-1]
            if day == end + timedelta(days=1) and (day - start).days < CHUNK_DAYS:
                stretches[-1] = (start, day)
                continue
        stretches.append((day, day))
    return stretches


def _rebuild(session: Session, kpi: Kpi, first: date, last: date, timezone: str, now: datetime) -> None:
    """Replace the figure's rows of the days ``first``..``last`` with what the projection tables hold now."""
    low, high, name = first.isoformat(), last.isoformat(), stored_key(session, kpi)
    names = [name, *(level_name(name, dimension) for dimension in SPLIT)]
    session.execute(delete(FigureDay).where(FigureDay.figure.in_(names), FigureDay.day.between(low, high)))
    f = Filters.for_days(first, last, timezone)
    sql = Sql.of(session, f)
    query = kpi.source(f, sql)
    if Case.__table__ in query.get_final_froms():  # a source over the cases: their columns are at hand
        source = query.add_columns(*(getattr(Case, name).label(f"case_{name}") for name in SPLIT))
        source = source.subquery("source")
        split, joined = [source.c[f"case_{name}"] for name in SPLIT], source
    else:  # over tasks or answers: their case's
        source = query.subquery("source")
        split = [getattr(Case, name) for name in SPLIT]
        joined = source.join(Case, Case.id == source.c.case_id)
    rows = select(
        sql.local_day(source.c.at).label("day"),
        *(func.coalesce(column, "").label(name) for column, name in zip(split, SPLIT, strict=True)),
        cast(source.c.grp, String()).label("grp"),
        *(source.c[c] for c in kpi.columns),
        *(source.c[column].label(f"value_{n}") for n, (_name, column) in enumerate(values(kpi))),
    ).select_from(joined)
    rows = rows.subquery("rows")
    keys = [rows.c.day, *(rows.c[name] for name in SPLIT), rows.c.grp]
    numbers = [func.coalesce(func.sum(rows.c[c]), 0) for c in kpi.columns]
    numbers += [literal(0)] * (COUNT_SLOTS - len(kpi.columns))
    for n in range(VALUE_SLOTS):
        if n < len(values(kpi)):
            numbers += [func.sum(rows.c[f"value_{n}"]), func.count(rows.c[f"value_{n}"])]
        else:
            numbers += [null(), literal(0)]
    query = select(literal(name), rows.c.day, literal(False, Boolean()), *keys[1:], *numbers).group_by(*keys)
    session.execute(insert(FigureDay).from_select(_COLUMNS, query))
    # the days as a whole (the same numbers summed over tier, channel and category), and per tier, per channel,
    # per category alone (filed under the figure's name and the dimension's: a filter by one reads only those)
    d = FigureDay
    split = (d.figure == name) & d.whole.is_(False) & d.day.between(low, high)
    sums = [func.sum(getattr(d, c)) for c in _COLUMNS[7:]]
    for level in (None, *SPLIT):
        dimensions = [getattr(d, n) if n == level else literal("") for n in SPLIT]
        kept = [getattr(d, level)] if level else []
        label = literal(level_name(name, level) if level else name)
        whole = select(label, d.day, literal(True, Boolean()), *dimensions, d.grp, *sums)
        whole = whole.where(split).group_by(d.day, *kept, d.grp)
        session.execute(insert(FigureDay).from_select(_COLUMNS, whole))
    session.execute(delete(FigureBuilt).where(FigureBuilt.figure == name, FigureBuilt.day.between(low, high)))
    marks = [
        {"figure": name, "day": day.isoformat(), "timezone": timezone, "built_at": now}
        for day in _days(first, last)
    ]
    session.execute(insert(FigureBuilt), marks)


_COLUMNS = [
    "figure", "day", "whole", *SPLIT, "grp", *(f"n{i}" for i in range(1, COUNT_SLOTS + 1)),
    *(f"{c}{i}" for i in range(1, VALUE_SLOTS + 1) for c in ("s", "k")),
]  # fmt: skip
