"""Promises reach the customer: a receipt for every complaint, each promised step sent by SMS and app push,
the result on every channel with a phone call, knowledge-base answers that explain, and a decision time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from engine.models import Case, OutboxMessage
from tests.conftest import fresh
from tests.unit.test_complaint_paths import ANSWERS, apologised, file, open_items, work


def sent(session, case_id, template):
    fresh(session)
    return session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.case_id == case_id, OutboxMessage.template == template)
        .order_by(OutboxMessage.id)
    ).all()


@pytest.mark.parametrize(
    ("channel", "description", "category", "promise"),
    [
        ("phone", "Card stolen 盗刷", "card_theft", timedelta(minutes=15)),
        ("web", "The clerk was rude", "service_attitude", timedelta(hours=4)),
        ("app", "Why did my loan rate change?", "business_inquiry", timedelta(hours=24)),
        ("branch", "Fee charged twice", "fee_dispute", timedelta(hours=4)),
    ],
)
def test_every_complaint_gets_a_receipt_with_its_reference_and_the_first_contact_promised(
    engine,
    session,
    clock,
    channel,
    description,
    category,
    promise,
):
    case = file(engine, description, category, channel=channel).case
    receipts = sent(session, case.id, "complaint_received")
    assert {m.channel for m in receipts} == {"sms", "app_push"}
    for receipt in receipts:
        assert receipt.recipient == "13800000000"
        assert receipt.payload["reference"] == case.reference
        assert datetime.fromisoformat(receipt.payload["first_contact_by"]) == clock() + promise


def test_the_handling_direction_is_sent_by_sms_and_app_push(engine, session, people):
    case = file(engine, "The clerk was rude", "service_attitude").case
    work(engine, session, case.id, "tell_direction", people["ann"])
    notices = sent(session, case.id, "handling_direction")
    assert {m.channel for m in notices} == {"sms", "app_push"}
    assert all(m.payload["direction"] == ANSWERS["tell_direction"]["direction"] for m in notices)


def test_the_urgent_initial_plan_is_sent_by_sms_and_app_push(engine, session, people):
    case = file(engine, "Card stolen 盗刷", "card_theft", amount=800).case
    for spec, who in (
        ("contact_customer", "ann"),
        ("join_operations", "otto"),
        ("apply_safeguards", "otto"),
        ("join_risk", "rita"),
        ("trace_funds", "rita"),
        ("tell_safeguards", "ann"),
    ):
        work(engine, session, case.id, spec, people[who])
    assert sent(session, case.id, "initial_plan") == []
    work(engine, session, case.id, "initial_plan", people["ann"])
    notices = sent(session, case.id, "initial_plan")
    assert {m.channel for m in notices} == {"sms", "app_push"}
    assert notices[0].payload["plan"] == ANSWERS["initial_plan"]["plan"]


def test_an_advisory_miss_is_acknowledged_and_the_plan_sent_with_its_expected_time(
    engine,
    session,
    people,
    clock,
):
    case = file(engine, "Why did my mortgage interest rate change last month?", "business_inquiry").case
    acknowledged = sent(session, case.id, "question_received")
    assert {m.channel for m in acknowledged} == {"sms", "app_push"}
    assert datetime.fromisoformat(acknowledged[0].payload["reply_by"]) == clock() + timedelta(hours=24)
    work(engine, session, case.id, "reply_with_plan", people["ann"])
    plans = sent(session, case.id, "advisory_plan")
    assert {m.channel for m in plans} == {"sms", "app_push"}
    assert plans[0].payload["expected_by"] == ANSWERS["reply_with_plan"]["expected_by"]


def test_the_result_goes_by_sms_and_app_push_and_always_brings_a_phone_call(
    engine,
    session,
    people,
):
    case = apologised(engine, session, people["ann"])
    work(engine, session, case.id, "send_result", people["ann"], ANSWERS["send_result"])
    assert {m.channel for m in sent(session, case.id, "result_notice")} == {"sms", "app_push"}
    [call] = open_items(session, case.id)
    assert (call.spec_id, call.assignee_id) == ("call_customer", people["ann"].id)


def test_a_knowledge_base_answer_states_cause_solution_and_advice_and_its_acceptance_is_the_decision(
    engine,
    session,
    clock,
):
    case = file(engine, "How do I activate my new card? activation", "business_inquiry").case
    answers = sent(session, case.id, "kb_answer")
    assert {m.channel for m in answers} == {"sms", "app_push"}
    payload = answers[0].payload
    assert all(payload[k].strip() for k in ("cause", "solution", "advice"))
    assert payload["solution"] == payload["answer"]
    assert session.get(Case, case.id).decided_at is None

    clock.advance(minutes=30)
    engine.deliver_message(case.id, "answer_accepted", {}, actor="customer")
    fresh(session)
    assert session.get(Case, case.id).decided_at == clock()


def test_a_result_notice_asked_for_by_sms_alone_still_goes_by_sms_and_app_push():
    # A case still on an older version, whose form let the agent pick SMS alone.
    from datetime import UTC

    from handlers import HandlerContext
    from handlers.complaints import notify_result

    ctx = HandlerContext(1, "C1", "send", {}, datetime(2026, 3, 2, tzinfo=UTC))
    notify_result(ctx, "13800000000", "cause", "solution", "advice", channels=["sms"])
    assert [(m.channel, m.template) for m in ctx.outbox] == [
        ("sms", "result_notice"),
        ("app_push", "result_notice"),
    ]
    assert ctx.decided
