"""Tasks: the inbox, one task with its form, claim, complete."""

from __future__ import annotations

from flask import jsonify

from engine.cases import access, completion
from engine.cases import inbox as inbox_model
from engine.errors import Conflict, NotFound, ValidationFailed
from engine.models import Case, Role, User, WorkItem, WorkItemState
from web.api import idempotency, shapes
from web.api.blueprint import bp
from web.api.inputs import ApiError, Query, json_object
from web.auth import current_user, roles_required
from web.db import case_engine, now, session
from web.routing import ID

STATES = ("open", "ready", "claimed", "completed")
WORKERS = (Role.AGENT, Role.SUPERVISOR)
PAGE_MAX = 100


@bp.get("/tasks")
@roles_required(Role.AGENT, Role.SUPERVISOR, Role.AUDITOR)
def inbox():
    """A page of tasks, P1 first, then P2 ... P4 and tasks without a priority, each soonest due first. Agents
    see their lanes' tasks and those assigned to them."""
    user = current_user()
    query = Query({"state", "lane", "case_id", "assignee", "overdue", "limit", "cursor"})
    state = query.choice("state", STATES, "open")
    lane = query.text("lane", 64)
    case_id = query.integer("case_id")
    only_mine = query.choice("assignee", ("me",)) == "me"
    overdue = query.boolean("overdue")
    limit = query.integer("limit", maximum=PAGE_MAX, default=50)
    after = query.text("cursor", 200)
    query.done()
    try:
        cursor = inbox_model.Cursor.decode(after) if after else None
    except inbox_model.StaleCursor:
        raise ApiError(
            400,
            "invalid_parameter",
            "cursor is from before the task list was ordered by priority; ask for the first page again",
            errors={"cursor": "outdated: ask for the first page again"},
        ) from None
    except ValueError:
        raise ApiError(
            400, "invalid_parameter", "cursor is not valid", errors={"cursor": "not from this API"}
        ) from None

    moment = now()
    states = WorkItemState.open_states() if state == "open" else (state,)
    query = inbox_model.api_query(user, states, mine=only_mine, lane=lane, case_id=case_id, overdue=overdue)
    found = inbox_model.page(session(), query, cursor, moment, limit)
    return jsonify(
        {
            "items": [shapes.task(r.item, case=r.case, assignee=r.assignee, now=moment) for r in found.rows],
            "next": found.next.encode() if found.next else None,
        }
    )


@bp.get(f"/tasks/<{ID}:task_id>")
@roles_required(Role.AGENT, Role.SUPERVISOR, Role.AUDITOR)
def show_task(task_id: int):
    """One task with its form (the JSON Schema its data must satisfy), or null when it takes no data."""
    item, case = _visible(task_id, current_user())
    form = case_engine().task_form(case, item)
    return jsonify({**_task(item, case), "form": form})


@bp.post(f"/tasks/<{ID}:task_id>/claim")
@roles_required(*WORKERS)
def claim(task_id: int):
    """Take a task from the lane's queue (claiming one's own claimed task again is harmless)."""
    user = current_user()
    _visible(task_id, user)
    item = case_engine().claim(task_id, user)
    return jsonify(_task(item, session().get(Case, item.case_id)))


@bp.post(f"/tasks/<{ID}:task_id>/complete")
@roles_required(*WORKERS)
def complete(task_id: int):
    """Complete a task with its form's data; the case runs on to its next wait."""
    user = current_user()
    body = json_object(allowed={"data"}, required={"data"})
    if not isinstance(body["data"], dict):
        raise ValidationFailed("data must be a JSON object", {"data": "must be an object"})
    _visible(task_id, user)
    engine = case_engine()

    def prepare():  # the workflow runs here, before the write transaction (which stores the answer with a key)
        return completion.prepare(engine, task_id, user, body["data"], engine.now())

    def produce(prepared):
        case = completion.write(engine, prepared, user)
        item = engine.session.get(WorkItem, task_id)
        return 200, {
            "task": _task(item, case),
            "case": {"id": case.id, "reference": case.reference, "status": case.status},
        }

    for _ in range(completion.ATTEMPTS):
        try:
            return idempotency.once(engine, user, body, produce, prepare)
        except completion.Changed:
            continue  # a timer fired or a colleague wrote meanwhile: run the workflow again on the news
    raise Conflict(completion.CHANGED)


def _visible(task_id: int, user: User) -> tuple[WorkItem, Case]:
    """The task and its case, or 404 when it does not exist or is none of the user's business."""
    db = session()
    item = db.get(WorkItem, task_id)
    if item is None or not access.can_see_task(user, item):
        raise NotFound(f"task {task_id} does not exist")
    return item, db.get(Case, item.case_id)


def _task(item: WorkItem, case: Case) -> dict:
    assignee = session().get(User, item.assignee_id) if item.assignee_id is not None else None
    return shapes.task(item, case=case, assignee=assignee, now=now())
