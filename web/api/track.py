"""The customer's view of their complaint over the API, reached with the tracking code alone (no account).

What it may show is decided in ``engine/cases/tracking.py``; this module only shapes it as JSON and takes the
customer's reply to a knowledge-base answer.
"""

from __future__ import annotations

from flask import jsonify, request

from engine.cases import tracking
from engine.errors import ValidationFailed
from web.api import shapes
from web.api.blueprint import bp
from web.api.inputs import json_object, rate_limit
from web.db import case_engine, case_for_tracking_code, session


@bp.get("/track/<tracking_code>")
def track(tracking_code: str):
    """What the customer may know about their complaint."""
    rate_limit("track", request.remote_addr or "unknown")
    return jsonify(shapes.tracking(tracking.customer_view(session(), case_for_tracking_code(tracking_code))))


@bp.post("/track/<tracking_code>/reply")
def reply(tracking_code: str):
    """The customer's answer to the knowledge-base reply: accepted, or they want a person (409 if not asked)."""
    rate_limit("track", request.remote_addr or "unknown")
    case = case_for_tracking_code(tracking_code)
    body = json_object(allowed={"answer"}, required={"answer"})
    if body["answer"] not in tracking.REPLIES:
        choices = ", ".join(tracking.REPLIES)
        raise ValidationFailed("answer is not valid", {"answer": f"must be one of: {choices}"})
    case = case_engine().deliver_message(case.id, tracking.REPLIES[body["answer"]], {}, actor="customer")
    return jsonify(shapes.tracking(tracking.customer_view(session(), case)))
