"""The regulatory clock of a case: extend the deadline (15 → 30 days by a supervisor; a further 30 days with a
second senior manager's approval), pause it during external appraisal and resume it.

The second extension is dual control: the approving manager is another active supervisor or administrator who
confirms with their own password at the same desk. A wrong password counts against their sign-in limit and is
an audit event, so this form cannot be used to guess passwords.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import accounts
from engine.cases import regulatory as clock_rules
from engine.errors import Conflict, InvalidState, ValidationFailed
from engine.models import Case, CaseStatus, Role, User
from web import ratelimit
from web.db import case_engine, clock, session
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
    return (
        render_template(
            "supervisor/regulatory.html",
            case=case,
            owner=owner,
            is_open=_open(case),
            next_days=next_days,
            needs_approval=needs_approval,
            approvers=queries.managers(db, besides=me().id),
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
    approver = None
    if needs_approval:
        approver = forms.person(
            request.form, "approver", queries.managers(session(), besides=me().id), errors
        )
        if approver is not None and not _approved_by(
            approver, case, request.form.get("approver_password", "")
        ):
            errors["approver_password"] = _("That is not the approving manager's password.")
    if errors:
        return _page(case, errors, request.form, 422)
    try:
        case = clock_rules.extend(case_engine(), case.id, actor=me(), reason=reason, approver=approver)
    except (Conflict, InvalidState):
        flash(
            _("This case's deadline cannot be extended any more (decided, or every extension used)."), "error"
        )
        return redirect(here)
    except ValidationFailed:
        return _page(case, {"approver": _("Choose another active senior manager.")}, request.form, 422)
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


def _approved_by(approver: User, case: Case, password: str) -> bool:
    """Whether the approving manager confirmed with their password (tries limited and audited like sign-ins)."""
    key = "user:" + approver.username
    if ratelimit.wait("signin", key, count=False) is not None or not accounts.check_password(
        approver, password
    ):
        ratelimit.wait("signin", key)
        accounts.record(
            session(),
            clock(),
            me().username,
            "regulatory.approval_refused",
            {"approver": approver.username, "reason": "wrong password"},
            case_id=case.id,
        )
        return False
    return True
