"""Regulatory statistics from the figures' pages: the JR/T 0169-2018 tables over the chosen days, and the
half-year return (FCA's shape) for a chosen half-year. Every number opens its cases, like the dashboard's."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from flask_babel import gettext as _

from engine.reports import regulatory
from web.db import now, session
from web.pages import page
from web.reports import filters
from web.reports.blueprint import READERS, bp
from web.reports.dashboard import Builder, Cell, Table
from web.reports.words import COLUMNS, group_words

_HALF = re.compile(r"^(\d{4})-H([12])$")
DIMENSION_WORDS = {"A": "channel", "B": "business_type", "C": "cause"}


@bp.get("/regulatory")
@page(*READERS)
def regulatory_page():
    """The regulator's tables."""
    timezone = current_app.config["TIMEZONE"]
    chosen = filters.read(request.args, timezone, now())
    today = now().astimezone(ZoneInfo(timezone)).date()
    half_text = (request.args.get("half") or f"{today.year}-H{1 if today.month <= 6 else 2}").strip()
    found = _HALF.match(half_text)
    if not found:
        chosen.errors["half"] = _("Write a half-year as YYYY-H1 or YYYY-H2.")
    if chosen.errors:
        return render_template("reports/regulatory.html", chosen=chosen, half=half_text, tables=None), 422
    tables = [_classified(chosen, letter, kpi) for letter, kpi in zip("ABC", _DIMENSION_KPIS, strict=True)]
    period = regulatory.half_year(int(found.group(1)), int(found.group(2)), timezone)
    tables.append(_half_year_return(period, half_text))
    return render_template("reports/regulatory.html", chosen=chosen, half=half_text, tables=tables)


_DIMENSION_KPIS = (regulatory.BY_CHANNEL, regulatory.BY_BUSINESS, regulatory.BY_CAUSE)


def _classified(chosen, letter: str, kpi) -> Table:
    b = Builder(session(), chosen.filters, chosen.query())
    titles = {
        "A": _("A. By channel"),
        "B": _("B. By business type"),
        "C": _("C. By cause"),
    }
    table = Table(kpi.key, titles[letter], [_("Class")] + [str(COLUMNS[c]) for c in kpi.columns])
    figure = b.figure(kpi)
    for row in figure.rows:
        table.rows.append(
            (
                group_words(DIMENSION_WORDS[letter], row.group),
                [b.count(kpi, row, c, row.group) for c in kpi.columns],
            )
        )
    if figure.rows:
        table.rows.append((_("Total"), [b.total(kpi, figure, c) for c in kpi.columns]))
    return table


def _half_year_return(period, half_text: str) -> Table:
    kpi = regulatory.HALF_YEAR_RETURN
    query = {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()}
    b = Builder(session(), period, query)
    figure = b.figure(kpi)
    headers = [str(COLUMNS.get(c, c)) for c in kpi.columns]
    table = Table(
        kpi.key,
        _("Half-year complaints return, %(half)s", half=half_text),
        [_("Product"), *headers, _("Upheld"), _("Redress paid, CNY")],
        note=_(
            "Closed: the decision reached the customer, counted in calendar days from receipt (8 weeks = 56 days). "
            "Upheld: the bank settled with compensation or an apology."
        ),
    )
    for row in figure.rows:
        cells = [b.count(kpi, row, c, row.group) for c in kpi.columns]
        cells += [b.rate(row.counts["upheld"], row.counts["received"]), Cell(f"{row.sums['redress']:,.2f}")]
        table.rows.append((group_words("business_type", row.group), cells))
    if figure.rows:
        cells = [b.total(kpi, figure, c) for c in kpi.columns]
        cells += [
            b.rate(figure.total("upheld"), figure.total("received")),
            Cell(f"{sum(r.sums['redress'] for r in figure.rows):,.2f}"),
        ]
        table.rows.append((_("Total"), cells))
    return table
