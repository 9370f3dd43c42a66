"""Routes of the figures: the dashboard and the cases behind each of its numbers (read-only).

Supervisors, auditors and managers see the same figures; none of them shows customer data. The list of cases
behind a number shows supervisors and auditors each case's reference, dates and classification with a link to
its trace; a manager gets the references alone.
"""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from engine.errors import NotFound
from engine.models import Case, User
from engine.reports import regulatory
from engine.reports.figures import NO_GROUP, cases_behind
from engine.reports.figures_kpis import KPIS as FIGURES
from web import labels
from web.db import now, session
from web.pages import me, page
from web.reports import dashboard, filters
from web.reports.blueprint import CASE_READERS, READERS, bp
from web.reports.words import CATEGORIES, COLUMNS, INTAKE_CHANNELS, NONE, TITLES, group_words

CASES_SHOWN = 1000  # a list longer than this says so and shows the first
KPIS = {**FIGURES, **regulatory.KPIS}


@bp.context_processor
def helpers():
    return {
        "TIERS": labels.TIERS,
        "INTAKE_CHANNELS": INTAKE_CHANNELS,
        "CATEGORIES": CATEGORIES,
        "label": labels.label,
        "STATUSES": labels.CASE_STATUSES,
    }


@bp.get("/")
@page(*READERS)
def home():
    """The dashboard: every figure over a date range, filtered by tier, channel or category."""
    chosen = filters.read(request.args, current_app.config["TIMEZONE"], now())
    if chosen.errors:
        return render_template("reports/dashboard.html", chosen=chosen, sections=None), 422
    sections = dashboard.build(session(), chosen.filters, chosen.query())
    return render_template("reports/dashboard.html", chosen=chosen, sections=sections)


@bp.get("/cases")
@page(*READERS)
def cases():
    """The cases behind one number of the dashboard."""
    chosen = filters.read(request.args, current_app.config["TIMEZONE"], now())
    kpi = KPIS.get(request.args.get("figure", ""))
    column = request.args.get("column", "")
    if kpi is None or column not in kpi.columns:
        raise NotFound(_("There is no such figure."))
    if chosen.errors:
        title = TITLES.get(kpi.key, kpi.title)
        return render_template("reports/cases.html", chosen=chosen, rows=None, kpi=kpi, title=title), 422
    group = request.args.get("group") or None
    after = request.args.get("after", type=int)
    ids = cases_behind(session(), kpi, chosen.filters, column, group, limit=CASES_SHOWN + 1, after=after)
    more = len(ids) > CASES_SHOWN
    ids = ids[:CASES_SHOWN]
    following = None
    if more:  # the next page: the same number, the cases after the last one listed
        args = {**request.args.to_dict(), "after": ids[-1]}
        following = url_for("reports.cases", **args)
    full = me().has_role(*CASE_READERS)
    columns = [Case.id, Case.reference]
    if full:
        columns += [Case.received_at, Case.tier, Case.channel, Case.category, Case.status]
    rows = session().execute(select(*columns).where(Case.id.in_(ids)).order_by(Case.id)).all() if ids else []
    return render_template(
        "reports/cases.html",
        chosen=chosen,
        kpi=kpi,
        title=TITLES.get(kpi.key, kpi.title),
        column=COLUMNS.get(column, column),
        group=_group_title(kpi.key, group),
        rows=rows,
        full=full,
        more=more,
        following=following,
        paged=after is not None,
        shown=CASES_SHOWN,
    )


# The dimension each figure groups by, for the words of a group.
DIMENSIONS = {
    "volume_channel": "channel",
    "volume_category": "category",
    "volume_tier": "tier",
    "first_response": "tier",
    "on_time_department": "lane",
    "tier_questions": "question",
    "jrt_a": "channel",
    "jrt_b": "business_type",
    "jrt_c": "cause",
    "fca_return": "business_type",
}


def _group_title(key: str, group: str | None) -> str:
    if not group:
        return ""
    if group == NO_GROUP:
        return str(NONE)
    if key in ("agent_cases", "agent_tasks", "agent_surveys") and group.isdigit():
        user = session().get(User, int(group))
        return user.shown_name if user is not None else group
    return group_words(DIMENSIONS.get(key, "day"), group)
