"""The customer's view shows the step the bank promised next and its time, not only the 15-day decision."""

from __future__ import annotations

from datetime import timedelta

from engine.cases import tracking
from engine.models import Case
from tests.conftest import fresh
from tests.unit.test_complaint_paths import ANSWERS, file, work


def view(session, case_id):
    fresh(session)
    return tracking.customer_view(session, session.get(Case, case_id))


def test_an_urgent_case_promises_the_first_contact_within_15_minutes(engine, session, clock):
    case = file(engine, "Card stolen 盗刷", "card_theft", amount=800).case
    shown = view(session, case.id)
    assert shown.next_step == tracking.NextStep("first_contact", clock() + timedelta(minutes=15))
    assert shown.decision_due_at == clock() + timedelta(days=15)


def test_a_general_case_promises_the_direction_then_the_decision(engine, session, people, clock):
    case = file(engine, "The clerk was rude", "service_attitude").case
    assert view(session, case.id).next_step == tracking.NextStep("direction", clock() + timedelta(hours=4))
    work(engine, session, case.id, "tell_direction", people["ann"])
    assert view(session, case.id).next_step == tracking.NextStep("decision", clock() + timedelta(days=15))


def test_an_urgent_case_after_the_task_force_promises_the_initial_plan_by_24_hours_from_receipt(
    engine,
    session,
    people,
    clock,
):
    received = clock()
    case = file(engine, "Card stolen 盗刷", "card_theft", amount=800).case
    clock.advance(hours=1)
    for spec, who in (
        ("contact_customer", "ann"),
        ("join_operations", "otto"),
        ("apply_safeguards", "otto"),
        ("join_risk", "rita"),
        ("trace_funds", "rita"),
        ("tell_safeguards", "ann"),
    ):
        work(engine, session, case.id, spec, people[who])
    assert view(session, case.id).next_step == tracking.NextStep(
        "initial_plan", received + timedelta(hours=24)
    )


def test_an_advisory_question_without_an_answer_promises_a_plan_within_24_hours(engine, session, clock):
    case = file(engine, "Why did my mortgage interest rate change last month?", "business_inquiry").case
    assert view(session, case.id).next_step == tracking.NextStep("plan", clock() + timedelta(hours=24))


def test_a_high_net_worth_customer_is_promised_the_tailored_plan_and_it_never_stands_for_the_follow_up(
    engine, session, people, clock
):
    received = clock()
    case = file(engine, "An annual fee was charged twice", "fee_dispute", 300, "high_net_worth").case
    plan = tracking.NextStep("tailored_plan", received + timedelta(hours=48))
    assert view(session, case.id).next_step == tracking.NextStep("direction", received + timedelta(hours=4))
    work(engine, session, case.id, "tell_direction", people["ann"])
    assert view(session, case.id).next_step == plan
    for spec, data in (
        ("propose_settlement", {"compensation_amount": 0, "apology": "Sorry"}),
        ("send_result", ANSWERS["send_result"]),
        ("call_customer", None),
    ):
        work(engine, session, case.id, spec, people["ann"], data)
    # Decided: the follow-up visit's time, not the plan's sooner one.
    shown = view(session, case.id).next_step
    assert shown.name == "follow_up" and shown.due_at == clock() + timedelta(days=3)
    work(engine, session, case.id, "follow_up_visit", people["ann"])
    assert view(session, case.id).next_step == plan
