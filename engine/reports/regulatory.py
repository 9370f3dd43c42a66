"""The regulator's tables, as figures (so each number lists its cases like every other figure).

**JR/T 0169-2018** (the classification of banking consumer complaints): counts by channel (A), business type
(B) and cause (C), each with the complaints decided within 15, 30 and 60 days of receipt and those still
outstanding. The classes are the ones intake records (``cases.channel``, ``business_type``, ``cause_class`` from
the triage table); the regulator's own code numbers are not part of this tree.

**An FCA-style half-year return** (DISP 1 Annex 1's shape), to show the same rows fill another regulator's
template: complaints received, closed within 3 days, within 8 weeks, later, still open; upheld; redress paid.
"Closed" is the decision reaching the customer; "upheld" is a complaint the bank settled with compensation or
an apology (a settlement task was completed), "redress" the compensation paid. Days are calendar days.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, literal, select

from engine.models import Case, TaskAnswer
from engine.reports.figures import Filters, Kpi, Sql, flag

DAY = 86400
SETTLEMENT = "settlement.schema.json"
# The JR/T 0169-2018 dimensions: letter -> the case column.
DIMENSIONS = {"A": "channel", "B": "business_type", "C": "cause_class"}


def _classified(column: str):
    def source(f: Filters, sql: Sql):
        took = sql.seconds(Case.decided_at, Case.received_at)
        decided = Case.decided_at.is_not(None)
        return select(
            getattr(Case, column).label("grp"),
            Case.id.label("case_id"),
            literal(1).label("received"),
            *(flag(decided & (took <= days * DAY)).label(f"within_{days}d") for days in (15, 30, 60)),
            flag(~decided).label("outstanding"),
            Case.received_at.label("at"),
        ).where(*f.where())

    return source


BY_CHANNEL, BY_BUSINESS, BY_CAUSE = (
    Kpi(
        f"jrt_{letter.lower()}",
        f"JR/T 0169-2018 {letter}: by {column.replace('_', ' ')}",
        "cases",
        ("received", "within_15d", "within_30d", "within_60d", "outstanding"),
        _classified(column),
    )
    for letter, column in DIMENSIONS.items()
)


def _return(f: Filters, sql: Sql):
    took = sql.seconds(Case.decided_at, Case.received_at)
    decided = Case.decided_at.is_not(None)
    settled = exists().where(TaskAnswer.case_id == Case.id, TaskAnswer.form == SETTLEMENT)
    return select(
        Case.business_type.label("grp"),
        Case.id.label("case_id"),
        literal(1).label("received"),
        flag(decided & (took <= 3 * DAY)).label("closed_3d"),
        flag(decided & (took > 3 * DAY) & (took <= 56 * DAY)).label("closed_8w"),
        flag(decided & (took > 56 * DAY)).label("closed_later"),
        flag(~decided).label("open"),
        flag(settled | (Case.compensation_paid > 0)).label("upheld"),
        Case.compensation_paid.label("redress"),
        Case.received_at.label("at"),
    ).where(*f.where())


HALF_YEAR_RETURN = Kpi(
    "fca_return",
    "Half-year complaints return",
    "cases",
    ("received", "closed_3d", "closed_8w", "closed_later", "open", "upheld"),
    _return,
    sums={"redress": "redress"},
)

KPIS = {k.key: k for k in (BY_CHANNEL, BY_BUSINESS, BY_CAUSE, HALF_YEAR_RETURN)}


def half_year(year: int, half: int, timezone: str = "Asia/Shanghai") -> Filters:
    """January–June (1) or July–December (2) of ``year``."""
    if half not in (1, 2):
        raise ValueError("half is 1 or 2")
    first = date(year, 1 if half == 1 else 7, 1)
    last = date(year, 6, 30) if half == 1 else date(year, 12, 31)
    return Filters.for_days(first, last, timezone)
