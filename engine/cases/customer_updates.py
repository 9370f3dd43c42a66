"""What a customer does to their own case from the public pages: add information, answer the follow-up survey.

The customer has no account; the web layer has already found the case by its tracking code. Each action is one
transaction through the engine: a note on the case, a hash-chained audit event, and a message to the owner's
inbox, so the one person the customer deals with (首问负责制) notices at once.

The follow-up survey is a user task of the owner (``follow_up.bpmn``, form ``survey.schema.json``): the owner
makes the follow-up contact, checks the problem is really solved, and records the survey. A customer who
answers the survey on the tracking page does not replace that contact; their answer is recorded for the owner's
task — a note on the case, the answers in the audit log (``survey_answer`` reads them back to fill the owner's
form), and a message to the owner, marked urgent when the customer says the problem is not solved. The customer
answers once per follow-up visit; a rework round brings a new visit, and a new chance to answer.
"""

from __future__ import annotations

import hashlib
from typing import Any

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import forms
from engine.cases.engine import CaseEngine
from engine.cases.intake import clean
from engine.errors import InvalidState, NotFound, ValidationFailed
from engine.models import AuditEvent, Case, CaseNote, CaseStatus, OutboxMessage, WorkItem, WorkItemState
from engine.store.serialization import SERIALIZER

CUSTOMER = "customer"  # the audit actor of what the customer does through the tracking code
INFORMATION_MAX = 2000  # characters the customer may add at a time
SURVEY_FORM = "survey.schema.json"  # the form of the follow-up visit
NOTE_INFORMATION = "customer_information"
NOTE_SURVEY = "customer_survey"
SURVEY_ANSWERED = "customer.survey_answered"
CLOSED = (CaseStatus.COMPLETED, CaseStatus.CANCELLED)
# The survey's question of each tier (its variants in survey.schema.json), as the note of an answer names them.
TIER_QUESTIONS = {"really_solved": "urgent", "other_needs": "general", "advice_worked": "advisory"}


def is_closed(case: Case) -> bool:
    return case.status in CLOSED


# ------------------------------------------------------------------ adding information


def add_information(engine: CaseEngine, case_id: int, text: str) -> CaseNote:
    """Add the customer's text to an open case, for its owner; refused when blank, too long or closed."""
    text = clean(text) if isinstance(text, str) else ""
    if not text:
        raise ValidationFailed("the information is empty", {"text": "is required"})
    if len(text) > INFORMATION_MAX:
        raise ValidationFailed(
            "the information is too long", {"text": f"use at most {INFORMATION_MAX} characters"}
        )
    with engine.unit(CUSTOMER) as unit:
        case = _open_case(engine.session, case_id)
        note = CaseNote(
            case_id=case.id, kind=NOTE_INFORMATION, author=CUSTOMER, text=text, created_at=unit.now
        )
        engine.session.add(note)
        engine.session.flush()
        # The note holds the words; the chained event holds their digest, so an altered note is detectable.
        unit.record(
            "customer.information_added",
            case.id,
            note=note.id,
            characters=len(text),
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        )
        _tell_owner(engine, case, "customer_information", note=note.id, preview=text[:200])
    return note


# ------------------------------------------------------------------ the follow-up survey


def survey_task(session: Session, case_id: int) -> WorkItem | None:
    """The case's open follow-up visit (the task whose form is the survey), if it has one."""
    return session.scalars(
        select(WorkItem)
        .where(
            WorkItem.case_id == case_id,
            WorkItem.form == SURVEY_FORM,
            WorkItem.state.in_(WorkItemState.open_states()),
        )
        .order_by(WorkItem.id.desc())
        .limit(1)
    ).first()


def survey_answer(session: Session, case_id: int, work_item_id: int | None = None) -> dict[str, Any] | None:
    """The customer's latest survey answers (for one follow-up visit, when given), as the survey's data."""
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.case_id == case_id, AuditEvent.kind == SURVEY_ANSWERED)
        .order_by(AuditEvent.seq.desc())
    )
    for event in events:
        if work_item_id is None or event.payload.get("work_item") == work_item_id:
            return dict(event.payload.get("answers") or {})
    return None


def survey_schema(engine: CaseEngine, case: Case, task: WorkItem | None = None) -> dict | None:
    """The survey as the case's follow-up visit asks it (the version's form, with the case's tier question
    when the visit varies it by tier); without an open visit, the version's survey form."""
    task = task or survey_task(engine.session, case.id)
    if task is not None:
        return engine.task_form(case, task)
    return forms.variant_schema(engine.loaded(case.process_version_id).forms.get(SURVEY_FORM), None)


def answer_survey(engine: CaseEngine, case_id: int, answers: dict[str, Any]) -> CaseNote:
    """Record the customer's survey answers for the owner's follow-up visit (once per visit)."""
    answers = clean(answers)
    with engine.unit(CUSTOMER) as unit:
        case = _open_case(engine.session, case_id)
        task = survey_task(engine.session, case.id)
        if task is None:
            raise InvalidState(f"case {case.reference} is not waiting for a follow-up survey")
        if survey_answer(engine.session, case.id, task.id) is not None:
            raise InvalidState(f"the survey of case {case.reference} has already been answered")
        forms.validate(survey_schema(engine, case, task), answers)
        note = CaseNote(
            case_id=case.id,
            kind=NOTE_SURVEY,
            author=CUSTOMER,
            text=survey_text(answers),
            created_at=unit.now,
        )
        engine.session.add(note)
        engine.session.flush()
        unit.record(SURVEY_ANSWERED, case.id, work_item=task.id, note=note.id, answers=answers)
        _tell_owner(
            engine,
            case,
            "customer_survey" if answers.get("resolved") is not False else "customer_survey_unresolved",
            work_item=task.id,
            answers=answers,
        )
    return note


def survey_text(answers: dict[str, Any]) -> str:
    """The answers as one readable line for the case's notes (field names as in the survey form)."""
    parts = []
    for name in ("resolved", *TIER_QUESTIONS):
        if answers.get(name) is not None:
            parts.append(f"{name.replace('_', ' ')}: {'yes' if answers[name] else 'no'}")
    if answers.get("satisfaction") is not None:
        parts.append(f"satisfaction: {answers['satisfaction']}/5")
    if answers.get("recommend") is not None:
        parts.append(f"recommend: {answers['recommend']}/10")
    line = "; ".join(parts)
    comments = answers.get("comments")
    return f"{line}\n{comments}" if comments else line


# ------------------------------------------------------------------ the knowledge-base answer


def knowledge_base_answer(session: Session, case_id: int) -> dict[str, Any] | None:
    """The knowledge-base answer sent to the customer (``{"answer", "article"}``), if one was sent."""
    message = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.case_id == case_id, OutboxMessage.template == "kb_answer")
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).first()
    return dict(message.payload) if message is not None else None


def waits_for(engine: CaseEngine, case: Case, message: str) -> bool:
    """Whether the case's workflow is waiting now for the BPMN message ``message`` (a customer's reply)."""
    if is_closed(case) or not case.state:
        return False
    loaded = engine.loaded(case.process_version_id)
    workflow = SERIALIZER.load_state(case.state, loaded.spec, loaded.subprocess_specs)
    event = BpmnEvent(MessageEventDefinition(message), {})
    return any(t.task_spec.catches(t, event) for t in workflow.event_manager.tasks.values())


# ------------------------------------------------------------------ the customer's own notes


def customer_notes(session: Session, case_id: int) -> list[CaseNote]:
    """What the customer added to the case, oldest first (their own words: safe to show them)."""
    return list(
        session.scalars(
            select(CaseNote)
            .where(CaseNote.case_id == case_id, CaseNote.kind == NOTE_INFORMATION)
            .order_by(CaseNote.id)
        )
    )


def _open_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id, populate_existing=True)
    if case is None:
        raise NotFound(f"case {case_id} does not exist")
    if is_closed(case):
        raise InvalidState(f"case {case.reference} is closed")
    return case


def _tell_owner(engine: CaseEngine, case: Case, template: str, **payload: Any) -> None:
    # Without an owner yet, the case's tasks wait in the frontline queue; whoever takes one sees the notes.
    if case.owner_id is not None:
        engine.queue_message(
            case, "inbox", f"user:{case.owner_id}", template, reference=case.reference, **payload
        )
