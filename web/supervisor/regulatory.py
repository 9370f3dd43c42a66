"""The regulatory clock of a case: extend the deadline (15 → 30 days by a supervisor; a further 30 days asked
for here and decided by a senior manager on their own page, web/supervisor/extensions.py), pause it during
external appraisal and resume it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.cases import extension_requests
from engine.cases import regulatory as clock_rules
from engine.errors import Conflict, InvalidState, ValidationFailed
from engine.models import Case, CaseStatus, Role, User
from web.db import case_engine, session
from web.pages import local_target, me, page
from web.supervisor import forms, queries
from web.supervisor.actions import case_or_404
from web.supervisor.blueprint import bp


def _open(case: Case) -> bool:
    return case.decided_at is None and case.status in (CaseStatus.OPEN, CaseStatus.INCIDENT)


def _page(case: Case, errors: dict[str, str] | None = None, form=None, status: int = 200):
    db = session()
    owner = db.get(User, case.owner_id) if case.owner_id else None
    next_days, needs_approval = clock_rules.EXTENSIONS.get(case.regulatory_days, (None, False))
    waiting = extension_requests.pending_for(case_engine(), case.id)
    return (
        render_template(
            "supervisor/regulatory.html",
            case=case,
            owner=owner,
            is_open=_open(case),
            next_days=next_days,
            needs_approval=needs_approval,
            waiting=waiting,
            waiting_by=db.get(User, waiting.requested_by_id) if waiting else None,
            history=queries.regulatory_history(db, case.id),
            notices=queries.customer_notices(db, case.id),
            errors=errors or {},
            form=form or {},
            back=local_target(request.values.get("next"), url_for("supervisor.escalations")),
        ),
        status,
    )


@bp.get("/cases/<int(max=9223372036854775807):case_id>/regulatory")
@page(Role.SUPERVISOR)
def regulatory(case_id: int):
    return _page(case_or_404(case_id))


@bp.post("/cases/<int(max=9223372036854775807):case_id>/regulatory/extend")
@page(Role.SUPERVISOR)
def extend(case_id: int):
    case = case_or_404(case_id)
    here = url_for("supervisor.regulatory", case_id=case_id)
    next_days, needs_approval = clock_rules.EXTENSIONS.get(case.regulatory_days, (None, False))
    if str(next_days) != request.form.get("to_days"):
        # The form was for another step (a second click, or a colleague extended it meanwhile).
        flash(
            _("The deadline has changed since the form was opened; nothing was extended. Check it below."),
            "error",
        )
        return redirect(here)
    errors: dict[str, str] = {}
    reason = forms.reason(request.form, errors)
    if errors:
        return _page(case, errors, request.form, 422)
    if needs_approval:
        return _ask(case, reason, here)
    try:
        case = clock_rules.extend(case_engine(), case.id, actor=me(), reason=reason)
    except (Conflict, InvalidState, ValidationFailed):
        flash(
            _("This case's deadline cannot be extended any more (decided, or every extension used)."), "error"
        )
        return redirect(here)
    flash(
        _(
            "The decision deadline is now %(days)d days from receipt. The customer has been told by SMS and app.",
            days=case.regulatory_days,
        ),
        "success",
    )
    return redirect(here)


@bp.post("/cases/<int(max=9223372036854775807):case_id>/regulatory/pause")
@page(Role.SUPERVISOR)
def pause(case_id: int):
    case = case_or_404(case_id)
    errors: dict[str, str] = {}
    reason = forms.reason(request.form, errors, "pause_reason")
    if errors:
        return _page(case, errors, request.form, 422)
    try:
        clock_rules.pause(case_engine(), case.id, actor=me().username, reason=reason)
    except (Conflict, InvalidState):
        flash(_("The clock could not be paused: it is already paused, or the case is decided."), "error")
    else:
        flash(_("The regulatory clock is paused for the external appraisal."), "success")
    return redirect(url_for("supervisor.regulatory", case_id=case_id))


@bp.post("/cases/<int(max=9223372036854775807):case_id>/regulatory/resume")
@page(Role.SUPERVISOR)
def resume(case_id: int):
    case = case_or_404(case_id)
    try:
        clock_rules.resume(case_engine(), case.id, actor=me().username)
    except (Conflict, InvalidState):
        flash(_("The clock could not be resumed: it is not paused, or the case is decided."), "error")
    else:
        flash(_("The regulatory clock runs again; the paused time was added to the deadline."), "success")
    return redirect(url_for("supervisor.regulatory", case_id=case_id))


def _ask(case: Case, reason: str, here: str):
    """The further extension: a request the senior managers decide (web/supervisor/extensions.py)."""
    try:
        extension_requests.request(case_engine(), case.id, actor=me(), reason=reason)
    except (Conflict, InvalidState, ValidationFailed):
        flash(
            _(
                "Nothing was asked: a request is already waiting for this case, or its deadline cannot be extended."
            ),
            "error",
        )
        return redirect(here)
    flash(
        _("Your request went to the senior managers. You will get a notice when one of them decides."),
        "success",
    )
    return redirect(here)
