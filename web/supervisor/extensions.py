"""The further extensions of the regulatory clock (30 → 60 days): requests a senior manager decides.

Senior managers see every request waiting for a decision and approve or reject it (not their own); a supervisor
sees the requests they made and how each was decided. Asking happens on the case's regulatory-clock page.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from engine.cases import extension_requests as rules
from engine.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationFailed
from engine.models import Case, ExtensionRequest, ExtensionStatus, Role, User
from web.db import case_engine, now, session
from web.pages import me, page
from web.supervisor.blueprint import bp

RECENT = 50  # decided requests shown below the pending ones


@dataclass(frozen=True)
class Row:
    request: ExtensionRequest
    case: Case
    requested_by: User | None
    decided_by: User | None
    may_decide: bool
    overdue: bool  # the deadline passed while it waited: it can only be rejected


def _rows(user: User, *, pending: bool) -> list[Row]:
    db = session()
    query = (
        select(ExtensionRequest, Case)
        .join(Case, Case.id == ExtensionRequest.case_id)
        .order_by(ExtensionRequest.requested_at.desc(), ExtensionRequest.id.desc())
    )
    if pending:
        query = query.where(ExtensionRequest.status == ExtensionStatus.PENDING)
    else:
        query = query.where(ExtensionRequest.status != ExtensionStatus.PENDING).limit(RECENT)
    if not user.has_role(Role.SENIOR_MANAGER):
        query = query.where(ExtensionRequest.requested_by_id == user.id)
    found = db.execute(query).all()
    ids = {r.requested_by_id for r, _c in found} | {r.decided_by_id for r, _c in found if r.decided_by_id}
    people = {u.id: u for u in db.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    moment = now()
    return [
        Row(
            r,
            c,
            people.get(r.requested_by_id),
            people.get(r.decided_by_id),
            pending and rules.may_decide(user, r),
            pending and rules.overdue_at(c, moment),
        )
        for r, c in found
    ]


def pending_count(user: User) -> int:
    """How many requests wait for ``user``: all pending ones for a senior manager, their own for a supervisor."""
    query = select(func.count()).where(ExtensionRequest.status == ExtensionStatus.PENDING)
    if user.has_role(Role.SENIOR_MANAGER):
        query = query.where(ExtensionRequest.requested_by_id != user.id)
    else:
        query = query.where(ExtensionRequest.requested_by_id == user.id)
    return session().scalar(query) or 0


def _page(errors: dict[int, str] | None = None, form=None, status: int = 200):
    user = me()
    return (
        render_template(
            "supervisor/extensions.html",
            deciding=user.has_role(Role.SENIOR_MANAGER),
            pending=_rows(user, pending=True),
            decided=_rows(user, pending=False),
            errors=errors or {},
            form=form or {},
        ),
        status,
    )


@bp.get("/extensions")
@page(Role.SUPERVISOR)
def extensions():
    return _page()


def _decide(request_id: int, approve: bool):
    note = (request.form.get("note") or "").strip()
    if len(note) > 2000:
        return _page(
            {request_id: _("Keep the note under %(count)d characters.", count=2000)}, request.form, 422
        )
    try:
        if approve:
            rules.approve(case_engine(), request_id, actor=me(), note=note)
        else:
            rules.reject(case_engine(), request_id, actor=me(), note=note)
    except NotFound:
        abort(404)
    except ValidationFailed:
        return _page({request_id: _("Say why you refuse the extension.")}, request.form, 422)
    except Forbidden:
        flash(_("You asked for this extension: another senior manager decides it."), "error")
    except InvalidState:
        flash(
            _(
                "The deadline passed while the request waited, or the case is decided: the request can only be "
                "rejected."
            ),
            "error",
        )
    except Conflict:
        flash(_("This request was decided already, or the case's deadline changed meanwhile."), "info")
    else:
        if approve:
            flash(
                _(
                    "Extension approved: the decision is now due 60 days from receipt. The customer has been told."
                ),
                "success",
            )
        else:
            flash(_("Extension refused. The supervisor who asked has been told."), "success")
    return redirect(url_for("supervisor.extensions"))


@bp.post("/extensions/<int(max=9223372036854775807):request_id>/approve")
@page(Role.SENIOR_MANAGER)
def approve_extension(request_id: int):
    return _decide(request_id, approve=True)


@bp.post("/extensions/<int(max=9223372036854775807):request_id>/reject")
@page(Role.SENIOR_MANAGER)
def reject_extension(request_id: int):
    return _decide(request_id, approve=False)
