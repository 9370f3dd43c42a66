"""Moving work: give a task to another person, or the whole case to another owner (reason required)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.cases import access, assignment
from engine.errors import Conflict, InvalidState, NotFound, ValidationFailed
from engine.models import Case, Role, User, WorkItem
from web.db import case_engine, session
from web.i18n import bilingual
from web.pages import local_target, me, page
from web.supervisor import forms, queries
from web.supervisor.blueprint import bp


def _task(task_id: int) -> tuple[WorkItem, Case]:
    item = session().get(WorkItem, task_id)
    if item is None:
        raise NotFound(_("There is no such task."))
    return item, session().get(Case, item.case_id)


def case_or_404(case_id: int) -> Case:
    case = session().get(Case, case_id)
    if case is None:
        raise NotFound(_("There is no such case."))
    return case


def _back() -> str:
    return local_target(request.values.get("next"), url_for("supervisor.escalations"))


@bp.route("/tasks/<int(max=9223372036854775807):task_id>/reassign", methods=["GET", "POST"])
@page(Role.SUPERVISOR)
def reassign_task(task_id: int):
    """Give an open task to someone else who works its lane."""
    item, case = _task(task_id)
    db = session()
    people = access.reassignment_candidates(item, case, assignment.candidates(db, item.lane))
    owner_task = access.is_owner_task(item, case)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not item.is_open:
            flash(_("That task is already closed; nothing was changed."), "error")
            return redirect(url_for("supervisor.reassign_task", task_id=task_id, next=_back()))
        chosen = forms.person(request.form, "assignee", people, errors)
        reason = forms.reason(request.form, errors)
        if not errors:
            try:
                assignment.reassign(case_engine(), item.id, chosen, actor=me(), reason=reason)
            except (Conflict, InvalidState):
                flash(_("Someone changed that task first; check who has it now."), "error")
                return redirect(url_for("supervisor.reassign_task", task_id=task_id, next=_back()))
            except ValidationFailed as refused:
                errors.update({name: _("This person cannot take this task.") for name in refused.errors})
            else:
                flash(
                    _(
                        "“%(task)s” of case %(case)s now lies with %(person)s; they have been told.",
                        task=bilingual(item.name),
                        case=case.reference,
                        person=chosen.shown_name,
                    ),
                    "success",
                )
                return redirect(_back())
    assignee = db.get(User, item.assignee_id) if item.assignee_id else None
    owner = db.get(User, case.owner_id) if case.owner_id else None
    return (
        render_template(
            "supervisor/reassign_task.html",
            item=item,
            case=case,
            assignee=assignee,
            owner=owner,
            owner_task=owner_task,
            people=people,
            errors=errors,
            form=request.form,
            back=_back(),
        ),
        422 if errors else 200,
    )


@bp.route("/cases/<int(max=9223372036854775807):case_id>/owner", methods=["GET", "POST"])
@page(Role.SUPERVISOR)
def change_owner(case_id: int):
    """Give the case to another frontline agent; their claimed tasks of the case follow."""
    case = case_or_404(case_id)
    db = session()
    people = [u for u in queries.frontline_agents(db) if u.id != case.owner_id]
    errors: dict[str, str] = {}
    if request.method == "POST":
        chosen = forms.person(request.form, "owner", people, errors)
        reason = forms.reason(request.form, errors)
        if not errors:
            try:
                assignment.change_owner(case_engine(), case.id, chosen, actor=me().username, reason=reason)
            except (Conflict, InvalidState):
                flash(_("Someone changed the case's owner first; check who owns it now."), "error")
                return redirect(url_for("supervisor.change_owner", case_id=case_id, next=_back()))
            except ValidationFailed:
                errors["owner"] = _("This person cannot own cases: they must be an active frontline agent.")
            else:
                flash(
                    _(
                        "Case %(case)s is now owned by %(person)s; their open tasks of the case went with it.",
                        case=case.reference,
                        person=chosen.shown_name,
                    ),
                    "success",
                )
                return redirect(_back())
    owner = db.get(User, case.owner_id) if case.owner_id else None
    return (
        render_template(
            "supervisor/change_owner.html",
            case=case,
            owner=owner,
            people=people,
            errors=errors,
            form=request.form,
            back=_back(),
        ),
        422 if errors else 200,
    )
