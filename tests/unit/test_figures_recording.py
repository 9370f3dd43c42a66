"""The answers the figures add up are stored as columns when the task is completed, by the real engine."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from engine.errors import ValidationFailed
from engine.models import Case, TaskAnswer
from engine.reports import figures_kpis as k
from engine.reports.figures import Filters, compute
from tests.conftest import START, fresh
from tests.paths import PROCESSES
from tests.unit.test_complaint_paths import ANSWERS, file, open_items, work


@pytest.fixture
def engine(session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="tests", clock=clock)
    return CaseEngine(session, clock)


@pytest.fixture
def staff(make_user):
    return {
        "ann": make_user("ann"),
        "sue": make_user("sue", role="supervisor", departments=("supervisor", "frontline")),
    }


def answers_of(session, case_id):
    fresh(session)
    return session.scalars(
        select(TaskAnswer).where(TaskAnswer.case_id == case_id).order_by(TaskAnswer.id)
    ).all()


def test_a_closed_fee_dispute_leaves_its_settlement_approval_payment_and_survey_as_columns(
    engine, session, staff
):
    case = file(engine, "An annual fee was charged twice", "fee_dispute", amount=800).case
    work(engine, session, case.id, "tell_direction", staff["ann"])
    work(
        engine,
        session,
        case.id,
        "propose_settlement",
        staff["ann"],
        {"compensation_amount": 800, "apology": "We are sorry", "account": "6222001"},
    )
    work(engine, session, case.id, "approve_supervisor", staff["sue"], {"approved": True, "comment": "ok"})
    work(engine, session, case.id, "send_result", staff["ann"], ANSWERS["send_result"])
    work(engine, session, case.id, "call_customer", staff["ann"], ANSWERS["call_customer"])
    work(
        engine,
        session,
        case.id,
        "follow_up_visit",
        staff["ann"],
        {"resolved": True, "satisfaction": 4, "recommend": 10},
    )
    rows = answers_of(session, case.id)
    assert [(r.spec_id, r.form) for r in rows] == [
        ("propose_settlement", "settlement.schema.json"),
        ("approve_supervisor", "approval.schema.json"),
        ("follow_up_visit", "survey.schema.json"),
    ]
    settlement, approval, survey = rows
    assert settlement.compensation == Decimal("800")
    assert approval.approved is True and approval.answered_by_id == staff["sue"].id
    assert (survey.resolved, survey.satisfaction, survey.recommend) == (True, 4, 10)
    assert session.get(Case, case.id).compensation_paid == Decimal("800")

    march = Filters.for_month(START.year, START.month)
    satisfaction = compute(session, k.SATISFACTION, march).row(k.ALL)
    assert (satisfaction.counts["answered"], satisfaction.counts["promoters"]) == (1, 1)
    assert compute(session, k.COMPENSATION, march).row(k.ALL).sums["amount"] == 800.0


def test_a_declined_survey_stores_only_what_was_answered(engine, session, staff):
    case = file(
        engine,
        "What are your opening hours on weekends? Are you open on weekends?",
        "business_inquiry",
        channel="app",
    ).case
    engine.deliver_message(case.id, "answer_accepted", {}, actor="customer")
    work(engine, session, case.id, "follow_up_visit", staff["ann"], {"resolved": False})
    [survey] = answers_of(session, case.id)
    assert (survey.resolved, survey.satisfaction, survey.recommend) == (False, None, None)


def test_a_refused_survey_stores_nothing(engine, session, staff):
    case = file(
        engine,
        "What are your opening hours on weekends? Are you open on weekends?",
        "business_inquiry",
        channel="app",
    ).case
    engine.deliver_message(case.id, "answer_accepted", {}, actor="customer")
    [visit] = [i for i in open_items(session, case.id) if i.spec_id == "follow_up_visit"]
    engine.claim(visit.id, staff["ann"])
    with pytest.raises(ValidationFailed):
        engine.complete(visit.id, staff["ann"], {"resolved": True, "recommend": 11})
    session.rollback()
    assert answers_of(session, case.id) == []


def test_the_first_response_is_the_first_frontline_task_done_or_message_to_the_customer(
    engine, session, clock, staff
):
    general = file(engine, "An annual fee was charged twice", "fee_dispute", amount=80, customer="C-7").case
    advisory = file(
        engine,
        "What are your opening hours on weekends? Are you open on weekends?",
        "business_inquiry",
        channel="app",
        customer="C-8",
    ).case
    fresh(session)
    received = session.get(Case, general.id).received_at
    assert session.get(Case, general.id).first_response_at is None
    assert session.get(Case, advisory.id).first_response_at == received  # the knowledge base's app message
    clock.advance(minutes=90)
    work(engine, session, general.id, "tell_direction", staff["ann"])
    fresh(session)
    assert session.get(Case, general.id).first_response_at == received + timedelta(minutes=90)
    clock.advance(minutes=30)
    work(
        engine,
        session,
        general.id,
        "propose_settlement",
        staff["ann"],
        {"compensation_amount": 80, "apology": "Sorry", "account": "6222001"},
    )
    fresh(session)
    assert session.get(Case, general.id).first_response_at == received + timedelta(minutes=90)  # the first
