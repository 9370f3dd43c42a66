"""What every figure is made of: the filters (a range of days in the bank's time zone, a tier, channel or
category), the few SQL expressions the databases write differently, a figure's definition (``Kpi``) and its
numbers (``Figure``), computed live from the projection tables. ``engine.reports.figures`` is the module to use:
it reads the daily roll-up where it can."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Select, case, cast, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.errors import ValidationFailed
from engine.models import Case

TIERS = ("urgent", "general", "advisory")
NO_GROUP = "~"  # names the group of rows whose group is NULL (a case not triaged yet has no tier)
MAX_DAYS = 3660  # a range longer than ten years is a typing mistake


@dataclass(frozen=True)
class Filters:
    """Which cases a figure counts: received in [start, end), of a tier, channel or category when given."""

    start: datetime
    end: datetime
    tier: str | None = None
    channel: str | None = None
    category: str | None = None
    timezone: str = "Asia/Shanghai"

    @classmethod
    def for_days(
        cls, first: date, last: date, timezone: str = "Asia/Shanghai", **others: str | None
    ) -> Filters:
        """The cases received from the start of ``first`` to the end of ``last``, in the bank's time zone."""
        if last < first:
            raise ValidationFailed("the date range ends before it starts", {"to": "must not be before from"})
        if (last - first).days > MAX_DAYS:
            raise ValidationFailed("the date range is too long", {"to": f"use at most {MAX_DAYS} days"})
        zone = ZoneInfo(timezone)
        start = datetime.combine(first, time(), zone).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
        return cls(start, end, timezone=timezone, **{k: v or None for k, v in others.items()})

    @classmethod
    def for_month(cls, year: int, month: int, timezone: str = "Asia/Shanghai", **others) -> Filters:
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls.for_days(first, following - timedelta(days=1), timezone, **others)

    @property
    def first_day(self) -> date:
        return self.start.astimezone(ZoneInfo(self.timezone)).date()

    @property
    def last_day(self) -> date:
        return (self.end.astimezone(ZoneInfo(self.timezone)) - timedelta(microseconds=1)).date()

    def previous(self) -> Filters:
        """The same length of time just before this one (a month before a month: the previous month)."""
        first, last = self.first_day, self.last_day
        if first.day == 1 and (last + timedelta(days=1)).day == 1:
            back = first - timedelta(days=1)
            return Filters.for_month(back.year, back.month, self.timezone, **self.others())
        days = (last - first).days + 1
        return Filters.for_days(
            first - timedelta(days=days), first - timedelta(days=1), self.timezone, **self.others()
        )

    def others(self) -> dict[str, str | None]:
        return {"tier": self.tier, "channel": self.channel, "category": self.category}

    def where(self) -> list[ColumnElement]:
        """The conditions on ``cases`` that put a case in scope."""
        conditions = [Case.received_at >= self.start, Case.received_at < self.end]
        for name, value in self.others().items():
            if value:
                conditions.append(getattr(Case, name) == value)
        return conditions

    def with_tier(self, tier: str | None) -> Filters:
        return replace(self, tier=tier)


# ------------------------------------------------------------------ SQL that differs by database


@dataclass(frozen=True)
class Sql:
    """The few expressions SQLite and PostgreSQL write differently, for one database and time zone."""

    dialect: str
    timezone: str
    utc_offset_hours: float  # SQLite has no time zones: the bank's offset at the start of the range

    @classmethod
    def of(cls, session: Session, filters: Filters) -> Sql:
        offset = filters.start.astimezone(ZoneInfo(filters.timezone)).utcoffset() or timedelta()
        return cls(session.get_bind().dialect.name, filters.timezone, offset.total_seconds() / 3600)

    @property
    def sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def seconds(self, later, earlier) -> ColumnElement:
        """``later - earlier`` in seconds (NULL when either is NULL)."""
        if self.sqlite:
            return (func.julianday(later) - func.julianday(earlier)) * 86400.0
        return func.extract("epoch", later - earlier)

    def local_day(self, column) -> ColumnElement:
        """The day (YYYY-MM-DD text) in the bank's time zone of a UTC timestamp."""
        if self.sqlite:
            return func.date(column, f"{self.utc_offset_hours:+g} hours")
        return func.to_char(func.timezone(self.timezone, column), "YYYY-MM-DD")

    def floor(self, value) -> ColumnElement:
        """The largest whole number not above ``value``."""
        if self.sqlite:
            whole = cast(value, Integer())
            return whole - case((value < whole, 1), else_=0)
        return func.floor(value)

    def earlier_of(self, a, b) -> ColumnElement:
        """The earlier of two timestamps that may be NULL (NULL only when both are)."""
        return case((a.is_(None), b), (b.is_(None), a), (a <= b, a), else_=b)


def flag(condition) -> ColumnElement:
    """1 where ``condition`` holds, else 0 (NULL counts as not holding)."""
    return case((condition, 1), else_=0)


# ------------------------------------------------------------------ figures


Source = Callable[[Filters, Sql], Select]


@dataclass(frozen=True)
class Kpi:
    """One figure. ``source`` selects ``grp``, ``case_id``, ``at`` (the moment the row is counted by, in the
    range) and one flag column per entry of ``columns``;
    ``unit`` says what a source row is (``cases``: one row per case, so a number is a count of cases).
    ``means`` and ``sums`` are averages and totals of value columns of the source: name -> column."""

    key: str
    title: str
    unit: str
    columns: tuple[str, ...]
    source: Source
    means: dict[str, str] = field(default_factory=dict)
    sums: dict[str, str] = field(default_factory=dict)


@dataclass
class FigureRow:
    group: str | None
    counts: dict[str, int]
    means: dict[str, float | None]
    sums: dict[str, float] = field(default_factory=dict)

    def rate(self, part: str, of: str) -> float | None:
        """``part`` as a share of ``of`` (0..1), None when there is nothing to divide by."""
        total = self.counts.get(of) or 0
        return self.counts.get(part, 0) / total if total else None


@dataclass
class Figure:
    kpi: Kpi
    rows: list[FigureRow]

    @property
    def key(self) -> str:
        return self.kpi.key

    def row(self, group: str | None) -> FigureRow | None:
        return next((r for r in self.rows if r.group == group), None)

    def total(self, column: str) -> int:
        return sum(r.counts.get(column, 0) for r in self.rows)


def compute_live(session: Session, kpi: Kpi, filters: Filters) -> Figure:
    """The figure's numbers per group, ordered by group, computed from the projection tables."""
    source = kpi.source(filters, Sql.of(session, filters)).subquery("source")
    sums = [func.coalesce(func.sum(source.c[c]), 0).label(c) for c in kpi.columns]
    means = [func.avg(source.c[value]).label(name) for name, value in kpi.means.items()]
    totals = [func.coalesce(func.sum(source.c[value]), 0).label(name) for name, value in kpi.sums.items()]
    query = select(source.c.grp, *sums, *means, *totals).group_by(source.c.grp).order_by(source.c.grp)
    rows = []
    for row in session.execute(query):
        counts = {c: int(row._mapping[c]) for c in kpi.columns}
        averages = {
            name: (float(row._mapping[name]) if row._mapping[name] is not None else None)
            for name in kpi.means
        }
        totals = {name: float(row._mapping[name]) for name in kpi.sums}
        group = row.grp if row.grp is None else str(row.grp)
        rows.append(FigureRow(group, counts, averages, totals))
    return Figure(kpi, rows)


def percentile(session: Session, values: Select, fraction: float) -> float | None:
    """The ``fraction`` percentile (nearest rank) of a one-column select of numbers, by sorting in SQL."""
    inner = values.subquery("vals")
    column = inner.c[0]
    count = session.scalar(select(func.count()).select_from(inner).where(column.is_not(None))) or 0
    if not count:
        return None
    rank = max(int(-(-count * fraction // 1)) - 1, 0)  # nearest rank, counted from 0
    value = session.scalar(select(column).where(column.is_not(None)).order_by(column).offset(rank).limit(1))
    return float(value) if value is not None else None


def constant(value: str) -> ColumnElement:
    """A group that is the same for every row (a figure with one row)."""
    return literal(value)


def values(kpi: Kpi) -> list[tuple[str, str]]:
    """The figure's averaged and summed values (name, source column), means first."""
    return [*kpi.means.items(), *kpi.sums.items()]
