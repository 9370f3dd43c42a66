"""The customer's view of their complaint over the API, reached with the tracking code alone (no account).

What it may show is decided in ``engine/cases/tracking.py``; this module only shapes it as JSON and takes the
customer's reply to a knowledge-base answer and their answers to the follow-up survey (the form of their case's
tier, as the tracking page asks it).
"""

from __future__ import annotations

from flask import jsonify, request

from engine import forms
from engine.cases import customer_updates, tracking
from engine.errors import InvalidState, ValidationFailed
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


@bp.get("/track/<tracking_code>/survey")
def survey(tracking_code: str):
    """The follow-up survey the customer may answer now (409 when none is due): its form, with the question of
    their case's tier, and whether they already answered it."""
    rate_limit("track", request.remote_addr or "unknown")
    case = case_for_tracking_code(tracking_code)
    task = _survey_task(case)
    answered = customer_updates.survey_answer(session(), case.id, task.id) is not None
    form = forms.for_customer(customer_updates.survey_schema(case_engine(), case, task))
    return jsonify({"answered": answered, "form": form})


@bp.post("/track/<tracking_code>/survey")
def answer_survey(tracking_code: str):
    """The customer's answers to the follow-up survey, recorded for the owner's follow-up visit (once)."""
    rate_limit("track", request.remote_addr or "unknown")
    case = case_for_tracking_code(tracking_code)
    body = json_object(allowed={"answers"}, required={"answers"})
    asked = set(
        (customer_updates.survey_schema(case_engine(), case, _survey_task(case)) or {}).get("properties", {})
    )
    try:
        customer_updates.answer_survey(case_engine(), case.id, body["answers"])
    except ValidationFailed as refused:
        # Another tier's question is refused like any field the survey does not ask: the customer is not told
        # how the bank classed their case.
        errors = {
            path: message
            if path.split(".")[0] in asked or path == "data"
            else "is not a question of this survey"
            for path, message in refused.errors.items()
        }
        raise ValidationFailed("the answers do not match the survey", errors) from None
    return jsonify({"answered": True}), 201


def _survey_task(case):
    task = customer_updates.survey_task(session(), case.id)
    if task is None or customer_updates.is_closed(case):
        raise InvalidState("this complaint has no survey to answer now")
    return task
