"""What the customer does to their own case: add information, answer the follow-up survey, reply to an answer."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from engine import audit
from engine.cases import customer_updates
from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from engine.errors import InvalidState, ValidationFailed
from engine.models import AuditEvent, CaseNote, OutboxMessage
from tests.conftest import fresh
from tests.unit.test_complaint_paths import PROCESSES, file, open_items, work

WEEKEND = "What are your opening hours on weekends? Are you open on weekends?"


@pytest.fixture
def engine(session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="tests", clock=clock)
    return CaseEngine(session, clock)


@pytest.fixture
def people(make_user):
    return {"ann": make_user("ann"), "bob": make_user("bob")}


def events(session, case_id, kind):
    fresh(session)
    return session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.kind == kind)
    ).all()


def inbox(session, case_id):
    fresh(session)
    return session.scalars(
        select(OutboxMessage).where(OutboxMessage.case_id == case_id, OutboxMessage.channel == "inbox")
    ).all()


def follow_up(engine, session, people):
    """An advisory case the customer accepted, its follow-up visit taken by ann (the owner)."""
    case = file(engine, WEEKEND, "business_inquiry").case
    engine.deliver_message(case.id, "answer_accepted", {}, actor="customer")
    [visit] = open_items(session, case.id)
    engine.claim(visit.id, people["ann"])
    fresh(session)
    return case, visit


def test_information_becomes_a_note_an_audit_event_and_a_message_to_the_owner(engine, session, people):
    case = file(engine, "Charged twice for the annual fee", "fee_dispute", amount=120).case
    work(engine, session, case.id, "tell_direction", people["ann"])

    note = customer_updates.add_information(engine, case.id, "  The second charge was on 3 March.\x07 ")

    fresh(session)
    stored = session.get(CaseNote, note.id)
    assert (stored.kind, stored.author, stored.text) == (
        "customer_information",
        "customer",
        "The second charge was on 3 March.",
    )
    [event] = events(session, case.id, "customer.information_added")
    assert event.actor == "customer"
    assert event.payload["sha256"] == hashlib.sha256(stored.text.encode()).hexdigest()
    [message] = [m for m in inbox(session, case.id) if m.template == "customer_information"]
    assert message.recipient == f"user:{people['ann'].id}"
    assert message.payload["reference"] == case.reference
    assert audit.verify(session).ok
    assert [n.text for n in customer_updates.customer_notes(session, case.id)] == [stored.text]


def test_information_on_a_case_without_an_owner_is_kept_without_a_message(engine, session):
    case = file(engine, "Charged twice for the annual fee", "fee_dispute", amount=120).case
    customer_updates.add_information(engine, case.id, "Statement attached at the branch")
    assert len(customer_updates.customer_notes(session, case.id)) == 1
    assert [m for m in inbox(session, case.id) if m.template == "customer_information"] == []


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", None, 42, "x" * 2001])
def test_blank_or_oversized_information_is_refused(engine, session, text):
    case = file(engine, "Charged twice for the annual fee", "fee_dispute", amount=120).case
    with pytest.raises(ValidationFailed) as refused:
        customer_updates.add_information(engine, case.id, text)
    assert list(refused.value.errors) == ["text"]
    assert customer_updates.customer_notes(session, case.id) == []


def test_a_closed_case_takes_no_more_information(engine, session, people):
    case, _visit = follow_up(engine, session, people)
    work(engine, session, case.id, "follow_up_visit", people["ann"])
    with pytest.raises(InvalidState):
        customer_updates.add_information(engine, case.id, "One more thing")
    assert customer_updates.customer_notes(session, case.id) == []


def test_the_survey_is_offered_only_during_the_follow_up_visit(engine, session, people):
    case = file(engine, "Charged twice for the annual fee", "fee_dispute", amount=120).case
    assert customer_updates.survey_task(session, case.id) is None
    with pytest.raises(InvalidState):
        customer_updates.answer_survey(engine, case.id, {"resolved": True})

    case, visit = follow_up(engine, session, people)
    assert customer_updates.survey_task(session, case.id).id == visit.id


def test_the_survey_answer_is_recorded_for_the_owners_follow_up_visit(engine, session, people):
    case, visit = follow_up(engine, session, people)
    answers = {"resolved": True, "satisfaction": 4, "recommend": 8, "comments": "Quick answer"}

    note = customer_updates.answer_survey(engine, case.id, answers)

    assert note.text == "resolved: yes; satisfaction: 4/5; recommend: 8/10\nQuick answer"
    assert customer_updates.survey_answer(session, case.id) == answers
    assert customer_updates.survey_answer(session, case.id, visit.id) == answers
    [message] = [m for m in inbox(session, case.id) if m.template.startswith("customer_survey")]
    assert (message.template, message.recipient) == ("customer_survey", f"user:{people['ann'].id}")
    # The owner's visit stays theirs to do: the answer informs it, it does not replace the contact.
    assert [i.id for i in open_items(session, case.id)] == [visit.id]
    with pytest.raises(InvalidState):
        customer_updates.answer_survey(engine, case.id, answers)
    assert len(events(session, case.id, "customer.survey_answered")) == 1


def test_an_unresolved_answer_is_flagged_to_the_owner(engine, session, people):
    case, _visit = follow_up(engine, session, people)
    customer_updates.answer_survey(engine, case.id, {"resolved": False, "comments": "Still charged"})
    templates = [m.template for m in inbox(session, case.id)]
    assert "customer_survey_unresolved" in templates


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({}, "resolved"),
        ({"resolved": "yes"}, "resolved"),
        ({"resolved": True, "satisfaction": 6}, "satisfaction"),
        ({"resolved": True, "recommend": -1}, "recommend"),
        ({"resolved": True, "comments": "x" * 2001}, "comments"),
        ({"resolved": True, "owner": "me"}, "owner"),
    ],
)
def test_survey_answers_outside_the_form_are_refused(engine, session, people, answers, field):
    case, _visit = follow_up(engine, session, people)
    with pytest.raises(ValidationFailed) as refused:
        customer_updates.answer_survey(engine, case.id, answers)
    assert field in refused.value.errors
    assert customer_updates.survey_answer(session, case.id) is None


def test_the_knowledge_base_answer_and_the_wait_for_the_reply(engine, session):
    case = file(engine, WEEKEND, "business_inquiry").case
    fresh(session)
    answer = customer_updates.knowledge_base_answer(session, case.id)
    assert answer and answer["answer"]
    assert customer_updates.waits_for(engine, case, "answer_accepted")
    assert customer_updates.waits_for(engine, case, "person_requested")

    engine.deliver_message(case.id, "person_requested", {}, actor="customer")
    fresh(session)
    assert not customer_updates.waits_for(engine, session.get(type(case), case.id), "answer_accepted")

    other = file(engine, "Charged twice for the annual fee", "fee_dispute", amount=120, customer="C-2").case
    assert customer_updates.knowledge_base_answer(session, other.id) is None
    assert not customer_updates.waits_for(engine, other, "answer_accepted")
