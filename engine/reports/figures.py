"""The bank's complaint figures, computed by SQL over the projection tables (never by loading case states).

Every figure is a ``Kpi``: a *source* query that yields one row per counted thing (a case, a task, an answer)
with a group, the case id and one 0/1 flag per column; the figure's numbers are the sums of those flags per
group, and the cases behind any number are the case ids of the rows whose flag is set in that group. Both
come from the one source query, so a number and the list it links to cannot disagree.

The scope of every figure is the cases *received* in a date range (``Filters``), optionally of one tier,
channel or category. The definitions of the figures themselves are in ``figures_kpis``; what they are made
of (filters, ``Kpi``, the live computation) in ``figures_base``. ``compute`` reads the whole days it can from
the daily roll-up (``rollup``, ``rollup_read``) and computes the rest live; the cases behind a number are always
listed live.
"""

from __future__ import annotations

from sqlalchemy import String, and_, func, select
from sqlalchemy.orm import Session

from engine.errors import ValidationFailed
from engine.reports import rollup_read
from engine.reports.figures_base import (
    MAX_DAYS,
    NO_GROUP,
    TIERS,
    Figure,
    FigureRow,
    Filters,
    Kpi,
    Source,
    Sql,
    compute_live,
    constant,
    flag,
    percentile,
    values,
)

__all__ = [
    "MAX_DAYS",
    "NO_GROUP",
    "TIERS",
    "Figure",
    "FigureRow",
    "Filters",
    "Kpi",
    "Source",
    "Sql",
    "cases_behind",
    "compute",
    "compute_live",
    "constant",
    "flag",
    "percentile",
    "values",
]


def compute(session: Session, kpi: Kpi, filters: Filters) -> Figure:
    """The figure's numbers per group, ordered by group: from the daily roll-up for the whole days it holds
    and that are unchanged since, computed live for the rest (engine/reports/rollup_read.py)."""
    return rollup_read.compute(session, kpi, filters)


def cases_behind(
    session: Session,
    kpi: Kpi,
    filters: Filters,
    column: str,
    group: str | None = None,
    *,
    limit: int = 1000,
    after: int | None = None,
) -> list[int]:
    """The ids of the cases behind one number: ``column`` of ``group`` (every group when None; the NULL group
    when ``NO_GROUP``), ascending, at most ``limit`` of them, those above ``after`` when given (the next page).
    Always computed live: a range scan of the figure's source, like the live figure."""
    if column not in kpi.columns:
        raise ValidationFailed(f"the figure {kpi.key} has no number {column!r}", {"column": "unknown"})
    source = kpi.source(filters, Sql.of(session, filters)).subquery("source")
    conditions = [source.c[column] == 1]
    if group == NO_GROUP:
        conditions.append(source.c.grp.is_(None))
    elif group is not None:
        conditions.append(func.cast(source.c.grp, String()) == group)
    if after is not None:
        conditions.append(source.c.case_id > after)
    query = (
        select(source.c.case_id).where(and_(*conditions)).distinct().order_by(source.c.case_id).limit(limit)
    )
    return list(session.scalars(query))
