"""The tracking page's content: the customer's view of their case (engine/cases/tracking.py, which the API
also shows) turned into what a page shows.

Only that view and the customer's own words reach the page: status, milestones with their times, the
owner's first name, the next step with its promised time, the knowledge-base answer that was sent to them,
the information they added, the survey when the follow-up is due. Nothing of other lanes, staff or cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext

from engine.cases import customer_updates, tracking
from engine.cases.engine import CaseEngine
from engine.models import Case, CaseNote
from web import schema_forms

STATUS = {
    "received": lazy_gettext("We have your complaint"),
    "in_progress": lazy_gettext("Being handled"),
    "result_sent": lazy_gettext("Result sent"),
    "closed": lazy_gettext("Complaint closed"),
}
MILESTONE_HINTS = {
    "received": lazy_gettext("We received your complaint."),
    "in_progress": lazy_gettext("A member of our team is working on it."),
    "result_sent": lazy_gettext("We sent you our decision: the cause, the solution and advice."),
    "closed": lazy_gettext("Your complaint is closed."),
}
NEXT_STEP = {
    "decision": lazy_gettext("Our decision on your complaint"),
    "follow_up": lazy_gettext("We check with you that the problem is solved"),
    "first_contact": lazy_gettext("We call you about your complaint"),
    "direction": lazy_gettext("We tell you how we will handle your complaint"),
    "initial_plan": lazy_gettext("Your initial resolution plan"),
    "plan": lazy_gettext("Our reply with a plan and when to expect the outcome"),
    "fraud_protection": lazy_gettext("We explain how to keep your account safe from fraud"),
    "tailored_plan": lazy_gettext("A plan made for you, agreed with you"),
}
# The survey in the customer's words (the form itself is the owner's follow-up visit form).
SURVEY_WORDING = {
    "resolved": (lazy_gettext("Is your problem solved?"), ""),
    "satisfaction": (
        lazy_gettext("How satisfied are you with how we handled your complaint?"),
        lazy_gettext("1 very dissatisfied … 5 very satisfied"),
    ),
    "recommend": (
        lazy_gettext("How likely are you to recommend us to a friend?"),
        lazy_gettext("0 not at all likely … 10 extremely likely"),
    ),
    "comments": (lazy_gettext("Anything else you would like to tell us?"), ""),
    # Each tier's own question (the survey's variants); optional, like the scores.
    "really_solved": (
        lazy_gettext("Is the problem really solved?"),
        lazy_gettext(
            "No further unknown debits, your card or account safe again, the money back or on its way."
        ),
    ),
    "other_needs": (
        lazy_gettext("Do you have any other needs we can help with?"),
        lazy_gettext("If so, tell us in the last box."),
    ),
    "advice_worked": (lazy_gettext("Did our advice work for you?"), ""),
}


@dataclass
class Milestone:
    name: str
    label: str
    hint: str
    at: datetime | None


@dataclass
class TrackView:
    reference: str
    status: str
    status_label: str
    milestones: list[Milestone]
    owner_first_name: str | None
    next_step: str | None  # what comes next, in words
    next_due: datetime | None
    closed: bool
    decision_due: datetime | None = None  # shown beside a sooner promised step
    answer: dict[str, Any] | None = None  # the knowledge-base answer awaiting the customer's reply
    survey_fields: list = field(default_factory=list)  # the survey to answer now, if any
    survey_errors: dict[str, str] = field(default_factory=dict)
    survey_answered: bool = False
    notes: list[CaseNote] = field(default_factory=list)


def build(
    case: Case,
    *,
    engine: CaseEngine,
    language: str,
    timezone: str,
    survey: dict | None = None,
) -> TrackView:
    """The page's content for ``case``; ``survey`` carries posted values and errors to show again."""
    shown = tracking.customer_view(engine.session, case)
    milestones = [
        Milestone(m.name, str(STATUS[m.name]), str(MILESTONE_HINTS[m.name]), m.at) for m in shown.milestones
    ]
    step = shown.next_step
    view = TrackView(
        reference=shown.reference,
        status=shown.status,
        status_label=str(STATUS[shown.status]),
        milestones=milestones,
        owner_first_name=shown.owner_first_name or None,
        next_step=str(NEXT_STEP.get(step.name, step.name)) if step else None,
        next_due=step.due_at if step else None,
        closed=customer_updates.is_closed(case),
        decision_due=shown.decision_due_at if step and step.name != "decision" else None,
    )
    if view.closed:
        return view
    session = engine.session
    view.notes = customer_updates.customer_notes(session, case.id)
    if customer_updates.waits_for(engine, case, "answer_accepted"):
        view.answer = customer_updates.knowledge_base_answer(session, case.id)
    task = customer_updates.survey_task(session, case.id)
    if task is not None:
        view.survey_answered = customer_updates.survey_answer(session, case.id, task.id) is not None
        schema = customer_updates.survey_schema(engine, case, task)
        if schema is not None and not view.survey_answered:
            survey = survey or {}
            view.survey_errors = survey.get("errors") or {}
            view.survey_fields = schema_forms.fields(
                schema, survey.get("values"), view.survey_errors, language=language, timezone=timezone
            )
            for item in view.survey_fields:
                if item.name in SURVEY_WORDING:  # the schema's hints speak of "the customer"
                    label, hint = SURVEY_WORDING[item.name]
                    item.label, item.hint = str(label), str(hint)
    return view
