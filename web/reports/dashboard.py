"""The dashboard's tables, built from the figures: each number a link to the cases behind it, each table the
data of the chart drawn beside it (web/frontend/reports/ reads the table, so the chart and the numbers are one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import User
from engine.reports import figures_kpis as k
from engine.reports.figures import NO_GROUP, Figure, FigureRow, Filters, Kpi, compute
from engine.reports.rollup import resolution_percentile
from web.labels import TIERS
from web.reports.words import COLUMNS, group_words


@dataclass
class Cell:
    text: str
    href: str | None = None
    value: float | None = None  # what the chart draws (a count, or a rate in per cent)


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)
    chart: str | None = None  # "bar", "line" or "pie"
    series: tuple[int, ...] = (0,)  # the columns (0-based, after the row label) the chart draws
    note: str = ""


@dataclass
class Section:
    title: str
    tables: list[Table]
    facts: list[tuple[str, Cell]] = field(default_factory=list)


class Builder:
    def __init__(self, session: Session, filters: Filters, query: dict[str, str]):
        self.session, self.filters, self.query = session, filters, query

    def figure(self, kpi: Kpi) -> Figure:
        return compute(self.session, kpi, self.filters)

    def count(self, kpi: Kpi, row: FigureRow | None, column: str, group: str | None = None) -> Cell:
        number = row.counts.get(column, 0) if row is not None else 0
        href = None
        if number:
            shown = NO_GROUP if group is None else group
            href = url_for("reports.cases", figure=kpi.key, column=column, group=shown, **self.query)
        return Cell(format_decimal(number), href, number)

    def total(self, kpi: Kpi, figure: Figure, column: str) -> Cell:
        number = figure.total(column)
        href = url_for("reports.cases", figure=kpi.key, column=column, **self.query) if number else None
        return Cell(format_decimal(number), href, number)

    @staticmethod
    def rate(part: int, whole: int) -> Cell:
        if not whole:
            return Cell("–")
        share = part / whole
        return Cell(format_percent(share, "#,##0.0%"), None, round(share * 100, 1))

    def grouped(self, kpi: Kpi, dimension: str, title: str, chart: str, order=None) -> Table:
        figure = self.figure(kpi)
        table = Table(kpi.key, title, [_("Group")] + [str(COLUMNS[c]) for c in kpi.columns], chart=chart)
        rows = figure.rows if order is None else sorted(figure.rows, key=lambda r: order(r.group))
        for row in rows:
            cells = [self.count(kpi, row, c, row.group) for c in kpi.columns]
            table.rows.append((group_words(dimension, row.group), cells))
        return table


def build(session: Session, filters: Filters, query: dict[str, str]) -> list[Section]:
    b = Builder(session, filters, query)
    return [
        _volume(b),
        _response(b),
        _on_time(b),
        _resolution(b),
        _regulatory(b),
        _satisfaction(b),
        _compensation(b),
        _agents(b),
    ]


def _volume(b: Builder) -> Section:
    return Section(
        _("Complaints received"),
        [
            b.grouped(k.VOLUME_BY_DAY, "day", _("By day"), "line"),
            b.grouped(k.VOLUME_BY_CHANNEL, "channel", _("By channel"), "pie"),
            b.grouped(k.VOLUME_BY_CATEGORY, "category", _("By category"), "bar"),
            b.grouped(k.VOLUME_BY_TIER, "tier", _("By tier"), "bar", order=_tier_order),
        ],
    )


def _tier_order(tier: str | None) -> int:
    return list(TIERS).index(tier) if tier in TIERS else len(TIERS)


def _response(b: Builder) -> Section:
    kpi = k.FIRST_RESPONSE
    figure = b.figure(kpi)
    table = Table(
        kpi.key,
        _("First response"),
        [
            _("Tier"),
            _("Limit"),
            str(COLUMNS["cases"]),
            str(COLUMNS["within_limit"]),
            _("Rate within the limit"),
            str(COLUMNS["within_24h"]),
            _("Rate within 24 hours"),
        ],
        chart="bar",
        series=(3, 5),
        note=_(
            "The first response is the first completed frontline task or the first SMS or app message to the "
            "customer, whichever came first. Limits: urgent 15 minutes, general 4 hours, advisory 24 hours."
        ),
    )
    limits = {"urgent": _("15 minutes"), "general": _("4 hours"), "advisory": _("24 hours")}
    for row in sorted(figure.rows, key=lambda r: _tier_order(r.group)):
        cases = row.counts["cases"]
        table.rows.append(
            (
                group_words("tier", row.group),
                [
                    Cell(str(limits.get(row.group, _("24 hours")))),
                    b.count(kpi, row, "cases", row.group),
                    b.count(kpi, row, "within_limit", row.group),
                    b.rate(row.counts["within_limit"], cases),
                    b.count(kpi, row, "within_24h", row.group),
                    b.rate(row.counts["within_24h"], cases),
                ],
            )
        )
    cases = figure.total("cases")
    facts = [
        (_("Answered within 24 hours"), b.rate(figure.total("within_24h"), cases)),
        (_("Answered within the tier's limit"), b.rate(figure.total("within_limit"), cases)),
        (_("Of cases"), b.total(kpi, figure, "cases")),
    ]
    return Section(_("Response"), [table], facts)


def _on_time(b: Builder) -> Section:
    tables = []
    for kpi, dimension, title in (
        (k.ON_TIME_BY_LANE, "lane", _("On time per department")),
        (k.ON_TIME_BY_TASK, "task", _("On time per task")),
    ):
        figure = b.figure(kpi)
        table = Table(
            kpi.key,
            title,
            [_("Department") if dimension == "lane" else _("Task")]
            + [str(COLUMNS[c]) for c in kpi.columns]
            + [_("On-time rate")],
            chart="bar",
            series=(3,),
        )
        for row in figure.rows:
            cells = [b.count(kpi, row, c, row.group) for c in kpi.columns]
            cells.append(b.rate(row.counts["on_time"], row.counts["tasks"]))
            table.rows.append((group_words(dimension, row.group), cells))
        tables.append(table)
    return Section(_("Deadlines kept"), tables)


def _resolution(b: Builder) -> Section:
    kpi = k.RESOLUTION
    figure = b.figure(kpi)
    table = Table(kpi.key, _("Time from receipt to close"), [_("Took"), str(COLUMNS["cases"])], chart="bar")
    order = [label for label, _days in k.RESOLUTION_BUCKETS] + [k.OVER_LAST]
    for label in order:
        row = figure.row(label)
        table.rows.append((label, [b.count(kpi, row, "cases", label)]))
    closed = figure.total("cases")
    hours = sum((r.means["hours"] or 0) * r.counts["cases"] for r in figure.rows) / closed if closed else None
    p90 = resolution_percentile(b.session, b.filters, 0.9)
    facts = [
        (_("Closed cases"), b.total(kpi, figure, "cases")),
        (_("Average"), Cell(_hours(hours))),
        (_("90th percentile"), Cell(_hours(p90))),
    ]
    return Section(_("Resolution time"), [table], facts)


def _hours(hours: float | None) -> str:
    if hours is None:
        return "–"
    if hours < 48:
        return _("%(n)s hours", n=format_decimal(round(hours, 1)))
    return _("%(n)s days", n=format_decimal(round(hours / 24, 1)))


def _regulatory(b: Builder) -> Section:
    kpi = k.REGULATORY
    figure = b.figure(kpi)
    row = figure.row(k.ALL)
    cases = row.counts["cases"] if row else 0
    table = Table(
        kpi.key,
        _("Decision within the regulatory limits"),
        [_("Decided"), str(COLUMNS["cases"]), _("Share")],
        chart="bar",
        note=_(
            "Days from receipt to the decision reaching the customer (15 days, 30 with an extension, 60 with a "
            "second). Within the deadline: the case's own deadline, extensions and pauses included, not missed."
        ),
    )
    for column in kpi.columns[1:]:
        number = row.counts[column] if row else 0
        table.rows.append((str(COLUMNS[column]), [b.count(kpi, row, column, k.ALL), b.rate(number, cases)]))
    repeats = b.figure(k.REPEATS).row(k.ALL)
    facts = [
        (_("Cases received"), b.count(kpi, row, "cases", k.ALL)),
        (_("Repeat complaints"), b.count(k.REPEATS, repeats, "repeats", k.ALL)),
        (
            _("Repeat-complaint rate"),
            b.rate(repeats.counts["repeats"] if repeats else 0, repeats.counts["cases"] if repeats else 0),
        ),
    ]
    return Section(_("Regulatory clock and repeats"), [table], facts)


def _satisfaction(b: Builder) -> Section:
    kpi = k.SATISFACTION
    row = b.figure(kpi).row(k.ALL)
    counts = row.counts if row else {c: 0 for c in kpi.columns}
    table = Table(kpi.key, _("Would recommend the bank (NPS)"), [_("Answer"), _("Customers")], chart="pie")
    for column in ("promoters", "passives", "detractors"):
        table.rows.append((str(COLUMNS[column]), [b.count(kpi, row, column, k.ALL)]))
    score = k.nps(row) if row else None
    average = row.means.get("satisfaction") if row else None
    facts = [
        (str(COLUMNS["answered"]), b.count(kpi, row, "answered", k.ALL)),
        (_("Solved, say the customers"), b.rate(counts["resolved"], counts["answered"])),
        (_("Average satisfaction (1–5)"), Cell(format_decimal(round(average, 2)) if average else "–")),
        (str(COLUMNS["satisfied"]), b.rate(counts["satisfied"], counts["scored"])),
        (
            _("NPS (promoters − detractors)"),
            Cell(format_decimal(round(score, 1)) if score is not None else "–"),
        ),
    ]
    return Section(_("Satisfaction"), [table, _tier_questions(b)], facts)


def _tier_questions(b: Builder) -> Table:
    """Each tier's own follow-up question: how many answered it, yes and no, and the rate of yes."""
    kpi = k.TIER_QUESTION_ANSWERS
    figure = b.figure(kpi)
    table = Table(
        kpi.key,
        _("Each tier's follow-up question"),
        [_("Question")] + [str(COLUMNS[c]) for c in kpi.columns] + [_("Rate of yes")],
        chart="bar",
        series=(3,),
        note=_(
            "Urgent cases are asked whether the problem is really solved, general cases whether they have any "
            "other needs, advisory cases whether the advice worked. The rate is the yes answers of the "
            "customers who answered the question; a skipped question is not counted."
        ),
    )
    for question in k.TIER_QUESTIONS.values():
        row = figure.row(question)
        cells = [b.count(kpi, row, c, question) for c in kpi.columns]
        cells.append(b.rate(row.counts["yes"], row.counts["answered_question"]) if row else Cell("–"))
        table.rows.append((group_words("question", question), cells))
    return table


def _compensation(b: Builder) -> Section:
    paid = b.figure(k.COMPENSATION).row(k.ALL)
    approvals = b.grouped(k.APPROVALS, "task", _("Settlement approvals per level"), "bar")
    facts = [
        (str(COLUMNS["paid"]), b.count(k.COMPENSATION, paid, "paid", k.ALL)),
        (_("Compensation paid, CNY"), Cell(format_decimal(paid.sums["amount"] if paid else 0, "#,##0.00"))),
    ]
    return Section(_("Compensation"), [approvals], facts)


def _agents(b: Builder) -> Section:
    owned, tasks, surveys = b.figure(k.AGENT_CASES), b.figure(k.AGENT_TASKS), b.figure(k.AGENT_SURVEYS)
    ids = {int(r.group) for figure in (owned, tasks, surveys) for r in figure.rows}
    names = (
        {u.id: u.shown_name for u in b.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    )
    table = Table(
        "agents",
        _("Per agent"),
        [
            _("Agent"),
            str(COLUMNS["owned"]),
            str(COLUMNS["repeated"]),
            str(COLUMNS["answered"]),
            _("Average satisfaction (1–5)"),
            _("Tasks with a deadline"),
            str(COLUMNS["on_time"]),
            _("On-time rate"),
        ],
        chart="bar",
        series=(0,),
    )
    for user_id in sorted(ids, key=lambda i: names.get(i, "")):
        group = str(user_id)
        mine, done, visits = owned.row(group), tasks.row(group), surveys.row(group)
        satisfaction = visits.means.get("satisfaction") if visits else None
        table.rows.append(
            (
                names.get(user_id, group),
                [
                    b.count(k.AGENT_CASES, mine, "owned", group),
                    b.count(k.AGENT_CASES, mine, "repeated", group),
                    b.count(k.AGENT_SURVEYS, visits, "answered", group),
                    Cell(format_decimal(round(satisfaction, 2)) if satisfaction else "–"),
                    b.count(k.AGENT_TASKS, done, "tasks", group),
                    b.count(k.AGENT_TASKS, done, "on_time", group),
                    b.rate(done.counts["on_time"], done.counts["tasks"]) if done else Cell("–"),
                ],
            )
        )
    return Section(_("Agents"), [table])
