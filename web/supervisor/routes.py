"""The supervisor's escalation inbox, and acknowledging an escalation."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.cases import assignment
from engine.cases.inbox import every_lane
from engine.errors import Conflict
from engine.models import Role
from web.db import case_engine, now, session
from web.pages import local_target, me, page
from web.supervisor import links, queries
from web.supervisor.blueprint import bp


@bp.context_processor
def _links():
    return {"task_link": links.task_link, "case_link": links.case_link}


@bp.get("/")
@page(Role.SUPERVISOR)
def escalations():
    """Late and nearly late work, open escalations, approvals and regulatory deadlines, worst first."""
    db = session()
    lanes = every_lane(db)
    flt, problems = _filters(request.args, lanes)
    moment = now()
    return (
        render_template(
            "supervisor/escalations.html",
            filters=flt,
            problems=problems,
            lanes=lanes,
            tiers=queries.TIERS,
            horizons=queries.HORIZONS,
            tasks=queries.late_tasks(db, moment, flt),
            escalations=queries.open_escalations(db, flt),
            approvals=queries.approvals(db, flt),
            cases=queries.regulatory_watch(db, moment, flt),
            extensions_waiting=extensions.pending_count(me()),
            now=moment,
        ),
        422 if problems else 200,
    )


@bp.post("/escalations/<int(max=9223372036854775807):escalation_id>/acknowledge")
@page(Role.SUPERVISOR)
def acknowledge(escalation_id: int):
    back = local_target(request.form.get("next"), url_for("supervisor.escalations"))
    try:
        assignment.acknowledge(case_engine(), escalation_id, actor=me())
    except Conflict:
        flash(_("Someone had already acknowledged that escalation."), "info")
        return redirect(back)
    flash(_("Escalation acknowledged."), "success")
    return redirect(back)


def _filters(args, lanes: tuple[str, ...]) -> tuple[queries.Filters, list[str]]:
    """The filter bar's choices; an unknown value is dropped (and said so) rather than matching nothing."""
    problems = []
    lane = args.get("lane") or None
    if lane is not None and lane not in lanes:
        problems.append(_("There is no lane called “%(lane)s”; showing every lane.", lane=lane[:64]))
        lane = None
    tier = args.get("tier") or None
    if tier is not None and tier not in queries.TIERS:
        problems.append(_("There is no tier called “%(tier)s”; showing every tier.", tier=tier[:64]))
        tier = None
    horizon = args.get("due") or queries.DEFAULT_HORIZON
    if horizon not in queries.HORIZONS:
        problems.append(_("Choose how far ahead to look from the list; showing the next 4 hours."))
        horizon = queries.DEFAULT_HORIZON
    return queries.Filters(lane=lane, tier=tier, horizon=horizon), problems


from web.supervisor import actions, extensions, regulatory  # noqa: E402,F401  (their routes register on bp)
