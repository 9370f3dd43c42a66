"""Figures through the daily roll-up (engine/reports/rollup.py): the whole days it holds and that are unchanged
since are read from ``figure_days``; the other days of the range (today, days changed since the last refresh,
days not built yet) are computed live, and the two are added up. A range that does not start and end at the
bank's midnight, a figure the roll-up does not keep, or a range with no built day is computed live.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from engine.models.figures import FigureBuilt, FigureDay, FigureDirty
from engine.reports.figures_base import Figure, FigureRow, Filters, Kpi, Sql, compute_live, values

Days = list[tuple[date, date]]
SPLIT = ("tier", "channel", "category")  # what the filters narrow by, kept per row


def level_name(name: str, dimension: str) -> str:
    """Where a figure's rows per ``dimension`` alone are filed (its day totals and split rows: under ``name``)."""
    return f"{name}/{dimension}"


@dataclass
class Sums:
    counts: dict[str, int]
    totals: list[float] = field(default_factory=list)  # per value: the sum of its non-empty values
    seen: list[int] = field(default_factory=list)  # per value: how many were not empty


FORMAT = 2  # the roll-up's own layout; a change to how rows are filed raises it, so every figure is rebuilt
_KEYS: dict[tuple[str, int, str], str] = {}


def stored_key(session: Session, kpi: Kpi) -> str:
    """The name the figure's rows are filed under: its key and a fingerprint of its SQL, so that the rows of a
    figure whose definition changed are never read (its days are computed live until the refresh builds them
    under the new name, and drops the old rows)."""
    dialect = session.get_bind().dialect
    cached = _KEYS.get((kpi.key, id(kpi), dialect.name))
    if cached is None:
        sample = Filters.for_days(date(2000, 1, 1), date(2000, 1, 1), "UTC")
        sql = str(kpi.source(sample, Sql(dialect.name, "UTC", 0.0)).compile(dialect=dialect))
        described = f"{FORMAT}|{kpi.columns}|{values(kpi)}|{sql}"
        cached = f"{kpi.key}:{hashlib.sha256(described.encode()).hexdigest()[:8]}"
        _KEYS[(kpi.key, id(kpi), dialect.name)] = cached
    return cached


@dataclass
class Plan:
    rolled: Days  # stretches read from the roll-up
    live: Days  # stretches computed from the projection tables


def plan(session: Session, kpi: Kpi, filters: Filters) -> Plan | None:
    """Which days of the range come from the roll-up; None when none can (a figure it does not keep has no
    built days)."""
    first, last = filters.first_day, filters.last_day
    exact = Filters.for_days(first, last, filters.timezone)
    if (exact.start, exact.end) != (filters.start, filters.end):
        return None
    mine = (FigureBuilt.figure == stored_key(session, kpi)) & (FigureBuilt.timezone == filters.timezone)
    earliest = session.scalar(select(func.min(FigureBuilt.day)).where(mine))
    if earliest is None:
        return None
    in_range = FigureBuilt.day.between(first.isoformat(), last.isoformat())
    built = {date.fromisoformat(d) for d in session.scalars(select(FigureBuilt.day).where(mine, in_range))}
    # Before the first built day nothing had happened when it was built; a row added there since is logged.
    day = first
    while day < min(date.fromisoformat(earliest), last + timedelta(days=1)):
        built.add(day)
        day += timedelta(days=1)
    if not built:
        return None
    # changes logged since the last refresh, up to the last built day (the days after it are live anyway)
    until = Filters.for_days(max(built), max(built), filters.timezone).end
    changed = changed_days(session, filters.timezone, filters.start, filters.start, until)
    built -= {date.fromisoformat(d) for d in session.scalars(changed)}
    result = Plan([], [])
    day = first
    while day <= last:
        kind = result.rolled if day in built else result.live
        if kind and kind[-1][1] == day - timedelta(days=1):
            kind[-1] = (kind[-1][0], day)
        else:
            kind.append((day, day))
        day += timedelta(days=1)
    return result if result.rolled else None


def compute(session: Session, kpi: Kpi, filters: Filters) -> Figure:
    chosen = plan(session, kpi, filters)
    if chosen is None:
        return compute_live(session, kpi, filters)
    groups = grouped(session, kpi, filters, chosen)
    return Figure(kpi, [_row(kpi, group, sums) for group, sums in sorted(groups.items(), key=_order)])


def grouped(session: Session, kpi: Kpi, filters: Filters, chosen: Plan) -> dict[str | None, Sums]:
    """The figure's sums per group over the range: the roll-up's days and the live ones added up."""
    groups = _from_rollup(session, kpi, filters, chosen.rolled)
    for first, last in chosen.live:
        _add(groups, _from_source(session, kpi, _part(filters, first, last)), kpi)
    return groups


def changed_days(session: Session, timezone: str, now: datetime, start=None, end=None) -> Select:
    """The local days (YYYY-MM-DD) that changes logged since the last refresh fall on (those logged from
    ``start`` to ``end`` when given)."""
    offset = now.astimezone(ZoneInfo(timezone)).utcoffset() or timedelta()
    sql = Sql(session.get_bind().dialect.name, timezone, offset.total_seconds() / 3600)
    query = select(sql.local_day(FigureDirty.at).label("day")).distinct()
    if start is not None:
        query = query.where(FigureDirty.at >= start, FigureDirty.at < end)
    return query


def _part(filters: Filters, first: date, last: date) -> Filters:
    return Filters.for_days(first, last, filters.timezone, **filters.others())


def _from_rollup(session: Session, kpi: Kpi, filters: Filters, days: Days) -> dict[str | None, Sums]:
    d = FigureDay
    wanted = {name: value for name, value in filters.others().items() if value}
    name = stored_key(session, kpi)
    if len(wanted) == 1:  # one dimension: its own rows
        name = level_name(name, next(iter(wanted)))
    conditions = [
        d.figure == name,
        d.whole == (len(wanted) < 2),  # several: the rows split by all three
        or_(*(d.day.between(a.isoformat(), b.isoformat()) for a, b in days)),
        *(getattr(d, dimension) == value for dimension, value in wanted.items()),
    ]
    count_columns = [getattr(d, f"n{i}") for i in range(1, len(kpi.columns) + 1)]
    value_columns = []
    for n in range(1, len(values(kpi)) + 1):
        value_columns += [getattr(d, f"s{n}"), getattr(d, f"k{n}")]
    query = (
        select(d.grp, *(func.sum(c) for c in count_columns), *(func.sum(c) for c in value_columns))
        .where(*conditions)
        .group_by(d.grp)
    )
    groups = {}
    for row in session.execute(query):
        counts = {c: int(row[1 + i] or 0) for i, c in enumerate(kpi.columns)}
        rest = row[1 + len(kpi.columns) :]
        groups[row[0]] = Sums(
            counts,
            [float(rest[2 * n] or 0) for n in range(len(rest) // 2)],
            [int(k or 0) for k in rest[1::2]],
        )
    return groups


def _from_source(session: Session, kpi: Kpi, filters: Filters) -> dict[str | None, Sums]:
    source = kpi.source(filters, Sql.of(session, filters)).subquery("source")
    columns = [func.coalesce(func.sum(source.c[c]), 0) for c in kpi.columns]
    for _name, column in values(kpi):
        columns += [func.sum(source.c[column]), func.count(source.c[column])]
    groups = {}
    for row in session.execute(select(source.c.grp, *columns).group_by(source.c.grp)):
        counts = {c: int(row[1 + i]) for i, c in enumerate(kpi.columns)}
        rest = row[1 + len(kpi.columns) :]
        group = None if row[0] is None else str(row[0])
        groups[group] = Sums(
            counts, [float(rest[2 * n] or 0) for n in range(len(rest) // 2)], [int(k) for k in rest[1::2]]
        )
    return groups


def _add(groups: dict[str | None, Sums], more: dict[str | None, Sums], kpi: Kpi) -> None:
    for group, sums in more.items():
        mine = groups.get(group)
        if mine is None:
            groups[group] = sums
            continue
        for c in kpi.columns:
            mine.counts[c] += sums.counts[c]
        mine.totals = [a + b for a, b in zip(mine.totals, sums.totals, strict=True)]
        mine.seen = [a + b for a, b in zip(mine.seen, sums.seen, strict=True)]


def _row(kpi: Kpi, group: str | None, sums: Sums) -> FigureRow:
    means, totals = {}, {}
    for n, (name, _column) in enumerate(values(kpi)):
        if name in kpi.means:
            means[name] = sums.totals[n] / sums.seen[n] if sums.seen[n] else None
        else:
            totals[name] = sums.totals[n]
    return FigureRow(group, dict(sums.counts), means, totals)


def _order(item: tuple[str | None, Sums]):
    """Groups in order, numbers by value (agents' ids), the group without a value last."""
    group = item[0]
    if group is None:
        return (2, 0, "")
    if group.isdigit():
        return (0, int(group), "")
    return (1, 0, group)
