"""The customer's view of their complaint, reached with the tracking code alone (no account).

Only what the customer may see: status, the milestones reached, the owner's first name, the next step and when
it is promised. No other lane's work, no other staff, no other case. Unknown, malformed and expired codes get
the same 404, after the same database look-up, so answers do not tell them apart.
"""

from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app, jsonify, request

from engine.clock import as_utc
from engine.errors import NotFound, ValidationFailed
from engine.models import Case, CaseStatus, User
from web.api import bp, queries, ratelimit, shapes
from web.api.inputs import json_object
from web.db import case_engine, session

_CJK = re.compile(r"^[\u4e00-\u9fff]+$")
_CODE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_NEVER_ISSUED = "-" * 32  # looked up in place of a malformed code: the same query, never a match
# How long after a case closes its tracking code keeps working (app.config["TRACKING_DAYS_AFTER_CLOSE"]).
DAYS_AFTER_CLOSE = 90
# The customer's replies to a knowledge-base answer, as the BPMN messages the advisory path waits for.
REPLIES = {"accepted": "answer_accepted", "person": "person_requested"}


@bp.get("/track/<tracking_code>")
def track(tracking_code: str):
    """What the customer may know about their complaint."""
    ratelimit.check("track", request.remote_addr or "unknown")
    return jsonify(_view(_case_for(tracking_code)))


@bp.post("/track/<tracking_code>/reply")
def reply(tracking_code: str):
    """The customer's answer to the knowledge-base reply: accepted, or they want a person (409 if not asked)."""
    ratelimit.check("track", request.remote_addr or "unknown")
    case = _case_for(tracking_code)
    body = json_object(allowed={"answer"}, required={"answer"})
    if body["answer"] not in REPLIES:
        raise ValidationFailed("answer is not valid", {"answer": f"must be one of: {', '.join(REPLIES)}"})
    case = case_engine().deliver_message(case.id, REPLIES[body["answer"]], {}, actor="customer")
    return jsonify(_view(case))


def _case_for(code: str) -> Case:
    well_formed = bool(_CODE.match(code))
    case = queries.case_by_tracking_code(session(), code if well_formed else _NEVER_ISSUED)
    if case is None or _expired(case):
        raise NotFound("no complaint has this tracking code")
    return case


def _expired(case: Case) -> bool:
    days = current_app.config.get("TRACKING_DAYS_AFTER_CLOSE", DAYS_AFTER_CLOSE)
    now = as_utc(current_app.config["CLOCK"]())
    return case.closed_at is not None and now - case.closed_at > timedelta(days=days)


def _view(case: Case) -> dict:
    db = session()
    started = queries.work_started_at(db, case.id)
    closed_at = case.closed_at or case.updated_at
    closed = case.status in (CaseStatus.COMPLETED, CaseStatus.CANCELLED)
    reached = {
        "received": case.received_at or case.created_at,
        "in_progress": started or case.decided_at or (closed_at if closed else None),
        "result_sent": case.decided_at or (closed_at if closed else None),
        "closed": closed_at if closed else None,
    }
    owner = db.get(User, case.owner_id) if case.owner_id is not None else None
    return {
        "reference": case.reference,
        "status": next((name for name in reversed(reached) if reached[name] is not None), "received"),
        "milestones": [
            {"name": n, "reached": at is not None, "at": shapes.iso(at)} for n, at in reached.items()
        ],
        "owner": {"first_name": _first_name(owner)} if owner is not None else None,
        "next_step": None if closed else _next_step(case),
    }


def _first_name(user: User) -> str:
    """The first word of the display name ("Ann Lee" → "Ann"); a Chinese name written without spaces gives
    its given name ("李娜" → "娜"), never the full name.
    """
    name = (user.display_name or "").strip()
    if " " not in name and len(name) > 1 and _CJK.match(name):
        return name[1:]
    return name.split()[0] if name else ""


def _next_step(case: Case) -> dict | None:
    if case.decided_at is None:
        # The bank's promise to every customer: a decision within the regulatory limit.
        return {"name": "decision", "due_at": shapes.iso(case.regulatory_due_at)}
    due = [t.due_at for t in queries.open_tasks(session(), case.id) if t.due_at is not None]
    return {"name": "follow_up", "due_at": shapes.iso(min(due)) if due else None}
