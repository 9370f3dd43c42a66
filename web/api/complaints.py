"""Complaints: intake from any channel, a case's details, its full trace."""

from __future__ import annotations

from flask import jsonify

from engine.cases import access, intake, reads
from engine.errors import NotFound
from engine.models import Customer, Role
from web.api import idempotency, shapes
from web.api.blueprint import bp
from web.api.inputs import json_object, rate_limit
from web.auth import current_user, roles_required
from web.db import case_engine, now, session
from web.routing import ID

CHANNEL_ROLES = (Role.AGENT, Role.SUPERVISOR)


@bp.post("/complaints")
@roles_required(*CHANNEL_ROLES)
def file_complaint():
    """File a complaint (201), or join it to the same customer's open case for the same issue (200)."""
    user = current_user()
    rate_limit("intake", f"user:{user.id}")
    engine = case_engine()
    _, form = intake.intake_schema(engine)
    # The sections a complaint has are the deployed intake form's, so a process owner can add one.
    sections = set((form or {}).get("properties", {})) or {"complaint", "customer"}
    body = json_object(allowed=sections)

    def prepare():
        return intake.prepare(engine, body, actor=user.username, filed_by=user)

    def produce(prepared):
        result = intake.write(engine, prepared, actor=user.username)
        return (200 if result.merged else 201), shapes.created(result.case, merged=result.merged)

    return idempotency.once(engine, user, body, produce, prepare)


@bp.get("/complaints/form")
@roles_required(*CHANNEL_ROLES)
def intake_form():
    """The JSON Schema a complaint must satisfy: the deployed intake form."""
    version, form = intake.intake_schema(case_engine())
    return jsonify({"process": version.process_key, "version": version.version, "schema": form})


@bp.get(f"/complaints/<{ID}:case_id>")
@roles_required(Role.AGENT, Role.SUPERVISOR, Role.AUDITOR)
def show_complaint(case_id: int):
    """A case as its workers see it; the customer's phone is masked except for the owner and supervisors."""
    user, db = current_user(), session()
    case = access.visible_case(db, user, case_id)
    if case is None:
        raise NotFound(f"complaint {case_id} does not exist")
    tasks = reads.open_tasks(db, case.id)
    people = reads.users_by_id(db, [case.owner_id, *(t.assignee_id for t in tasks)])
    record = db.get(Customer, case.customer_id) if case.customer_id is not None else None
    return jsonify(
        shapes.complaint(
            case,
            owner=people.get(case.owner_id),
            record=record,
            show_phone=user.id == case.owner_id or user.has_role(Role.SUPERVISOR),
            tasks=tasks,
            assignees=people,
            now=now(),
        )
    )


@bp.get(f"/complaints/<{ID}:case_id>/trace")
@roles_required(Role.SUPERVISOR, Role.AUDITOR)
def trace(case_id: int):
    """Every step of the case in order (who, when, due, breaches, escalations) and its audit events."""
    db = session()
    case = access.visible_case(db, current_user(), case_id)
    if case is None:
        raise NotFound(f"complaint {case_id} does not exist")
    found = reads.trace(db, case.id)
    owner = reads.users_by_id(db, [case.owner_id]).get(case.owner_id)
    moment = now()
    return jsonify(
        {
            "case": shapes.case_summary(case, owner),
            "steps": [
                shapes.step(item, actor, found.escalations.get(item.id, []), moment)
                for item, actor in found.steps
            ],
            "events": [shapes.event(e) for e in found.events],
        }
    )
