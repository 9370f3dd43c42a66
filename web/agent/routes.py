"""Routes of the agent pages: the inbox, claiming, a task with its form, the case workspace, the notices.

Agents and supervisors (who work the supervisor lane: approving a settlement is completing its task) use these
pages. A task or case the person may not see answers 404, so its existence stays hidden.
"""

from __future__ import annotations

import re

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from engine.cases import access, identity, retriage
from engine.cases import inbox as inbox_model
from engine.cases.customer_updates import SURVEY_FORM, survey_answer
from engine.cases.reads import users_by_id
from engine.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationFailed
from engine.evidence import attachments
from engine.messaging import staff_notices
from engine.models import Case, Customer, Role, User, WorkItem, WorkItemState
from web import schema_forms
from web.agent import labels, tasks, workspace
from web.agent import notices as notice_words
from web.agent.blueprint import bp
from web.db import case_engine, now, session
from web.i18n import bilingual, current_language
from web.masking import mask_id, mask_phone
from web.pages import me, page
from web.routing import ID

WORKERS = (Role.AGENT, Role.SUPERVISOR)
TASK = f"/tasks/<{ID}:task_id>"

bp.record_once(labels.init)


@bp.get("/")
@page(*WORKERS)
def inbox():
    """The tasks the person may work, filtered and sorted as the query string says (unknown values: ignored)."""
    user = me()
    lanes = access.workable_lanes(user)
    args = request.args
    query = inbox_model.worker_query(
        user,
        lane=args.get("lane") if args.get("lane") in lanes else None,
        tier=args.get("tier") if args.get("tier") in inbox_model.TIERS else None,
        overdue=args.get("overdue") == "1",
        mine=args.get("mine") == "1",
        sort=args.get("sort") if args.get("sort") in inbox_model.SORTS else "due",
    )
    stale = False
    try:
        after = inbox_model.Cursor.decode(args["after"]) if args.get("after") else None
    except inbox_model.StaleCursor:
        # A "next page" link from before the inbox ordered by priority: its place cannot be found, so the
        # first page, saying why (400, so that the page's refresh leaves what is shown alone).
        after, stale = None, True
    except ValueError:
        after = None  # a mangled link: start from the first page
    size = current_app.config.get("INBOX_PAGE_SIZE", inbox_model.PAGE_SIZE)
    result = inbox_model.page(session(), query, after, now(), size)
    filters = _filters(query)
    return render_template(
        "agent/inbox.html",
        stale=stale,
        query=query,
        rows=result.rows,
        filters=filters,
        next_url=url_for("agent.inbox", **filters, after=result.next.encode()) if result.next else None,
        first_url=url_for("agent.inbox", **filters) if after else None,
        user=user,
        lane_names=("、" if current_language().startswith("zh") else ", ").join(
            labels.label(labels.LANES, lane) for lane in lanes
        ),
    ), (400 if stale else 200)


@bp.post(TASK + "/claim")
@page(*WORKERS)
def claim(task_id: int):
    """Take a ready task; someone who took it first wins, and the person is told so."""
    user = me()
    item, _case = _visible_task(task_id, user)
    try:
        case_engine().claim(task_id, user)
    except Conflict:
        flash(
            gettext(
                "Someone else claimed “%(task)s” first. It is no longer in your inbox.",
                task=bilingual(item.name),
            ),
            "error",
        )
        return redirect(url_for("agent.inbox"))
    except Forbidden:
        flash(
            gettext(
                "“%(task)s” is not in one of your lanes, so you cannot claim it.", task=bilingual(item.name)
            ),
            "error",
        )
        return redirect(url_for("agent.task", task_id=task_id))
    flash(gettext("You claimed “%(task)s”.", task=bilingual(item.name)), "success")
    return redirect(url_for("agent.task", task_id=task_id))


@bp.get(TASK)
@page(*WORKERS)
def task(task_id: int):
    item, case = _visible_task(task_id, me())
    return _task_page(item, case)


@bp.post(TASK)
@page(*WORKERS)
def complete(task_id: int):
    """Complete the task with its form: checked here field by field, then by the engine when it acts."""
    user = me()
    item, case = _visible_task(task_id, user)
    problem = _cannot_complete(item, user)
    if problem:
        return _task_page(item, case, values=request.form, problem=problem, status=409)
    schema = _schema(case, item)
    timezone = current_app.config["TIMEZONE"]
    data, errors = schema_forms.read(schema, request.form, timezone=timezone) if schema else ({}, {})
    if schema:
        errors = {**schema_forms.check(schema, data, skip=set(errors)), **errors}
    if errors:
        return _task_page(item, case, values=request.form, errors=errors, status=422)
    name = bilingual(item.name)
    try:
        case_engine().complete(task_id, user, data)
    except ValidationFailed as failed:
        errors = {field: gettext("This value is not accepted.") for field in failed.errors}
        return _task_page(item, case, values=request.form, errors=errors, status=422)
    except (Conflict, Forbidden, InvalidState):
        item, case = _visible_task(task_id, user)  # read again: what changed under us decides the message
        problem = _cannot_complete(item, user) or gettext(
            "The case changed while you were working on it. Your entries are below; please submit again."
        )
        return _task_page(item, case, values=request.form, problem=problem, status=409)
    flash(gettext("Completed “%(task)s”.", task=name), "success")
    following = tasks.next_task(session(), user, case.id)
    if following is not None:
        return redirect(url_for("agent.task", task_id=following.id))
    return redirect(url_for("agent.inbox"))


@bp.get("/notices")
@page(*WORKERS)
def notices():
    """The person's notices, newest first; opening the first page marks them seen."""
    user = me()
    before = _page_mark(request.args.get("before"))
    result = staff_notices.notices(session(), user, before)
    if before is None and result.notices:
        staff_notices.mark_seen(session(), user, result.notices[0].message.id)
    return render_template(
        "agent/notices.html",
        notices=result.notices,
        describe=notice_words.describe,
        older_url=url_for("agent.notices", before=result.next_before) if result.next_before else None,
        newest_url=url_for("agent.notices") if before else None,
    )


def _page_mark(text: str | None) -> int | None:
    """A notices page link's mark (a notice id). Anything else (negative, past the ids' BIGINT range, not a
    number) is a link this page did not make: the page starts from the newest, as for no mark."""
    if text is None or not re.fullmatch(r"[0-9]{1,19}", text) or not 0 < int(text) <= 2**63 - 1:
        return None
    return int(text)


@bp.get(f"/cases/<{ID}:case_id>")
@page(*WORKERS)
def case(case_id: int):
    user = me()
    found = access.visible_case(session(), user, case_id)
    if found is None:
        raise NotFound(gettext("There is no such case, or it is not open to you."))
    view = workspace.load(session(), user, found, now())
    engine = case_engine()
    entries = {
        item.id: _entry_rows(engine.task_form(found, item), values)
        for item, _actor, values in view.other_lanes
    }
    claim = identity.claim_of(session(), found.id)
    return render_template(
        "agent/case.html",
        w=view,
        user=user,
        can_see_task=access.can_see_task,
        entries=entries,
        claim=claim,
        claim_matches=identity.on_record(session(), claim)
        if claim and claim.status == identity.CLAIMED
        else [],
        can_decide_claim=identity.may_decide(user, found),
        mask_phone=mask_phone,
        mask_id=mask_id,
        evidence=attachments.for_case(session(), found.id),
        may_retriage=found.status == "open" and retriage.may_retriage(user, found),
    )


@bp.post(f"/cases/<{ID}:case_id>/identity")
@page(*WORKERS)
def decide_identity(case_id: int):
    """The owner or a supervisor confirms (choosing the customer on record, or none) or rejects a claimed
    identity, after calling the number back."""
    user = me()
    if access.visible_case(session(), user, case_id) is None:
        raise NotFound(gettext("There is no such case, or it is not open to you."))
    form = request.form
    decision = form.get("decision")
    raw = form.get("customer_id", "")
    if decision not in ("confirm", "reject") or (raw and not re.fullmatch(r"[0-9]{1,18}", raw)):
        flash(gettext("Choose to confirm or to reject, and a customer from the list."), "error")
        return redirect(url_for("agent.case", case_id=case_id))
    try:
        identity.decide_claim(
            case_engine(),
            case_id,
            user,
            confirm=decision == "confirm",
            customer_id=int(raw) if raw and decision == "confirm" else None,
            reason=form.get("reason", ""),
        )
    except (InvalidState, ValidationFailed) as refused:
        flash(refused.message, "error")
    else:
        flash(
            gettext("The customer's identity is confirmed.")
            if decision == "confirm"
            else gettext("The claimed identity is rejected."),
            "success",
        )
    return redirect(url_for("agent.case", case_id=case_id))


# ------------------------------------------------------------------ helpers


def _filters(query: inbox_model.InboxQuery) -> dict[str, str]:
    """The query string of the inbox as filtered now (defaults left out), for its links."""
    found = {"lane": query.lane, "tier": query.tier, "sort": query.sort if query.sort != "due" else None}
    found.update(overdue="1" if query.overdue else None, mine="1" if query.mine else None)
    return {k: v for k, v in found.items() if v}


def _visible_task(task_id: int, user: User) -> tuple[WorkItem, Case]:
    db = session()
    item = db.get(WorkItem, task_id, populate_existing=True)
    if item is None or not access.can_see_task(user, item):
        raise NotFound(gettext("There is no such task, or it is not open to you."))
    return item, db.get(Case, item.case_id)


def _schema(case: Case, item: WorkItem) -> dict | None:
    return case_engine().task_form(case, item)


def _cannot_complete(item: WorkItem, user: User) -> str | None:
    """Why ``user`` cannot complete the task now (engine/cases/access.py decides), in words for them."""
    verdict = access.completion(user, item)
    other = users_by_id(session(), [verdict.other_user_id]).get(verdict.other_user_id)
    match verdict.refusal:
        case None:
            return None
        case access.Refusal.COMPLETED:
            return gettext(
                "This task was already completed by %(name)s. Nothing you entered was saved; it is shown below.",
                name=_name(other),
            )
        case access.Refusal.CANCELLED:
            return gettext(
                "This task was cancelled (the case moved on without it). Nothing you entered was saved."
            )
        case access.Refusal.NOT_CLAIMED:
            return gettext("Claim this task before completing it. Your entries are kept below.")
        case access.Refusal.NOT_YOUR_LANE:
            return gettext(
                "“%(task)s” is not in one of your lanes, so you cannot claim it.", task=bilingual(item.name)
            )
        case _:
            return gettext(
                "This task is claimed by %(name)s; only they can complete it. Nothing you entered was saved.",
                name=_name(other),
            )


def _shown_fields(schema: dict, values: dict, timezone: str) -> list:
    """The form's fields that hold a value, for reading (what a completed task recorded)."""
    if not values:
        return []
    found = schema_forms.fields(schema, values, language=current_language(), timezone=timezone)
    return [f for f in found if f.value not in ("", [], None)]


def _entry_rows(schema: dict | None, values: dict) -> list[tuple[str, str]]:
    """(label, words) for what another department entered on its task."""
    if schema is None:
        return [(key.replace("_", " "), str(value)) for key, value in values.items()]
    timezone = current_app.config["TIMEZONE"]
    return [(f.label, labels.shown_value(f.value, f)) for f in _shown_fields(schema, values, timezone)]


def _name(user: User | None) -> str:
    return user.shown_name if user else gettext("someone else")


def _task_page(item: WorkItem, case: Case, *, values=None, errors=None, problem=None, status: int = 200):
    db, user = session(), me()
    engine = case_engine()
    loaded = engine.loaded(case.process_version_id)
    schema = engine.task_form(case, item)
    shown = tasks.needs(item, schema)
    customer = db.get(Customer, case.customer_id) if case.customer_id is not None else None
    timezone = current_app.config["TIMEZONE"]
    template, data = tasks.task_data(db, loaded, case, item)
    instructions = tasks.render_instructions(
        template, tasks.masked_data(data, shown), timezone, current_language()
    )
    if values is None and item.form == SURVEY_FORM and item.is_open:
        values = survey_answer(db, case.id, item.id)  # the customer answered online: the visit confirms it
    fields = (
        schema_forms.fields(schema, values, errors, language=current_language(), timezone=timezone)
        if schema
        else []
    )
    people = users_by_id(db, [case.owner_id, item.assignee_id, item.completed_by_id])
    return (
        render_template(
            "agent/task.html",
            item=item,
            case=case,
            person=tasks.Person.of(customer, shown),
            instructions=instructions,
            fields=fields,
            errors=errors or {},
            problem=problem,
            works=access.may_work(user, item),
            mine=item.state == WorkItemState.CLAIMED and item.assignee_id == user.id,
            recorded=_shown_fields(schema, tasks.recorded(db, item), timezone) if schema else [],
            names={uid: u.shown_name for uid, u in people.items()},
            user=user,
            schema=schema,
        ),
        status,
    )
