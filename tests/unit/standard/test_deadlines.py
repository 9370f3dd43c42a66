"""Every step is timed: the settlement, each approval, the result and the phone call have deadlines that
escalate, and the urgent initial plan's 24 hours run from receipt even while the task force is stalled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.models import Escalation
from engine.timers.sla import sweep
from tests.conftest import fresh
from tests.unit.test_complaint_paths import ANSWERS, apologised, file, open_items, work


def escalated(session, case_id) -> list[str]:
    fresh(session)
    return [
        e.step
        for e in session.scalars(
            select(Escalation).where(Escalation.case_id == case_id, Escalation.source == "diagram")
        )
    ]


def test_a_stalled_task_force_still_escalates_the_initial_plan_at_24_hours(engine, session, db, clock):
    case = file(engine, "Card stolen 盗刷", "card_theft", amount=800).case
    session.commit()
    clock.advance(hours=24, seconds=-1)
    sweep(db.session, clock)
    assert "initial_plan" not in escalated(session, case.id)
    clock.advance(hours=11)  # 35 hours: nobody in the task force has finished
    sweep(db.session, clock)
    assert escalated(session, case.id).count("initial_plan") == 1
    assert {i.spec_id for i in open_items(session, case.id)} == {
        "contact_customer",
        "join_operations",
        "join_risk",
    }


def test_an_initial_plan_task_open_at_24_hours_escalates_once(engine, session, people, db, clock):
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
    session.commit()
    clock.advance(hours=24, minutes=1)
    sweep(db.session, clock)
    assert escalated(session, case.id).count("initial_plan") == 1


@pytest.mark.parametrize(
    ("amount", "step", "levels"),
    [
        (3000, "approve_supervisor", ["approval_supervisor"]),
        (30000, "approve_head", ["approval_supervisor", "approval_head"]),
    ],
)
def test_the_settlement_and_each_approval_level_are_due_in_24_hours_and_escalate(
    engine,
    session,
    people,
    db,
    clock,
    amount,
    step,
    levels,
):
    case = file(engine, "Annual fee charged twice", "fee_dispute", amount=amount).case
    work(engine, session, case.id, "tell_direction", people["ann"])
    [proposal] = open_items(session, case.id)
    assert (proposal.spec_id, proposal.due_at) == ("propose_settlement", clock() + timedelta(hours=24))
    session.commit()
    clock.advance(hours=24, minutes=1)
    sweep(db.session, clock)
    assert escalated(session, case.id) == ["settlement"]
    work(
        engine,
        session,
        case.id,
        "propose_settlement",
        people["ann"],
        {"compensation_amount": amount, "apology": "Sorry", "account": "6222001"},
    )
    if step == "approve_head":
        [first] = open_items(session, case.id)
        assert first.due_at == clock() + timedelta(hours=24)
        work(engine, session, case.id, "approve_supervisor", people["sue"], {"approved": True})
    [approval] = open_items(session, case.id)
    assert (approval.spec_id, approval.due_at) == (step, clock() + timedelta(hours=24))
    session.commit()
    clock.advance(hours=25)
    sweep(db.session, clock)
    assert escalated(session, case.id) == ["settlement", levels[-1]]


def test_sending_the_result_and_the_phone_call_are_due_in_24_hours(engine, session, people, db, clock):
    case = apologised(engine, session, people["ann"])
    [result] = open_items(session, case.id)
    assert (result.spec_id, result.due_at) == ("send_result", clock() + timedelta(hours=24))
    clock.advance(hours=2)
    work(engine, session, case.id, "send_result", people["ann"], ANSWERS["send_result"])
    [call] = open_items(session, case.id)
    assert (call.spec_id, call.due_at) == ("call_customer", clock() + timedelta(hours=24))
    session.commit()
    clock.advance(hours=24, minutes=1)
    sweep(db.session, clock)
    assert escalated(session, case.id) == ["result_call"]
