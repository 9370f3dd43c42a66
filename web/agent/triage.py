"""The case owner or a supervisor corrects a case's triage (tier, category, priority) with a reason."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from engine.cases import access, retriage
from engine.errors import Forbidden, NotFound, ValidationFailed
from engine.models import Case, Role
from web.agent.blueprint import bp
from web.db import case_engine, session
from web.pages import me, page
from web.routing import ID

FIELDS = ("tier", "category", "priority", "reason")


@bp.route(f"/cases/<{ID}:case_id>/triage", methods=["GET", "POST"])
@page(Role.AGENT, Role.SUPERVISOR)
def triage(case_id: int):
    """The correction form; a valid correction moves the case and returns to its workspace."""
    user, engine = me(), case_engine()
    case = access.visible_case(session(), user, case_id)
    if case is None:
        raise NotFound(gettext("There is no such case, or it is not open to you."))
    if not retriage.may_retriage(user, case):
        raise Forbidden(gettext("Only the case owner or a supervisor may correct its triage."))
    if request.method == "GET":
        values = {"tier": case.tier, "category": case.category, "priority": case.priority, "reason": ""}
        return _form(engine, case, values, {})
    values = {name: request.form.get(name, "").strip() for name in FIELDS}
    try:
        retriage.retriage(engine, case.id, actor=user, **values)
    except ValidationFailed as refused:
        errors = {name: _message(name, refused.errors) for name in refused.errors}
        return _form(engine, case, values, errors, 422)
    flash(gettext("The triage of case %(reference)s was corrected.", reference=case.reference))
    return redirect(url_for("agent.case", case_id=case.id), 303)


def _message(name: str, errors: dict[str, str]) -> str:
    words = {
        "tier": gettext("Choose a tier, or change the category or priority."),
        "category": gettext("Choose a category."),
        "priority": gettext("Choose a priority."),
        "reason": gettext("Say why the triage is corrected."),
    }
    return words.get(name, errors[name])


def _form(engine, case: Case, values: dict, errors: dict, status: int = 200):
    return (
        render_template(
            "agent/triage.html",
            case=case,
            values=values,
            errors=errors,
            tiers=retriage.TIERS,
            categories=retriage.categories(engine),
            priorities=retriage.PRIORITIES,
        ),
        status,
    )
