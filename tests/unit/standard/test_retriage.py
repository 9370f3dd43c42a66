"""An owner or a supervisor corrects the triage with a reason: an audit event, and the case moves to the new
tier's path with the old path's open work cancelled."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.cases import retriage
from engine.errors import Forbidden, ValidationFailed
from engine.models import AuditEvent, Case, Timer, TimerStatus, WorkItem, WorkItemState
from tests.conftest import fresh
from tests.unit.test_complaint_paths import file, open_items, work


def correct(engine, case, who, **changes):
    values = {"tier": case.tier, "category": case.category, "priority": case.priority, "reason": "Checked"}
    return retriage.retriage(engine, case.id, actor=who, **(values | changes))


def waiting_timers(session, case_id) -> list[str]:
    return session.scalars(
        select(Timer.spec_id).where(Timer.case_id == case_id, Timer.status == TimerStatus.WAITING)
    ).all()


def test_a_supervisor_moves_a_misfiled_debit_to_the_urgent_path(engine, session, people):
    case = file(engine, "A payment I do not recognise", "fee_dispute", amount=3000).case
    work(engine, session, case.id, "tell_direction", people["ann"])
    session.refresh(case)
    assert (case.tier, [i.spec_id for i in open_items(session, case.id)]) == (
        "general",
        ["propose_settlement"],
    )

    correct(
        engine,
        case,
        people["sue"],
        tier="urgent",
        category="abnormal_transaction",
        priority="P1",
        reason="The customer never made this payment",
    )
    fresh(session)
    case = session.get(Case, case.id)
    assert (case.tier, case.category, case.priority) == ("urgent", "abnormal_transaction", "P1")
    assert {(i.spec_id, i.assignee_id) for i in open_items(session, case.id)} == {
        ("contact_customer", people["ann"].id),  # the owner keeps the customer
        ("join_operations", None),
        ("join_risk", None),
    }
    settlement = session.scalars(
        select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.spec_id == "propose_settlement")
    ).one()
    assert settlement.state == WorkItemState.CANCELLED
    waiting = waiting_timers(session, case.id)
    assert "propose_settlement_deadline" not in waiting  # the general path's deadlines went with it
    assert all(i.tier == "urgent" for i in open_items(session, case.id))
    event = session.scalars(select(AuditEvent).where(AuditEvent.kind == "case.retriaged")).one()
    assert event.actor == "sue" and event.payload["moved"] is True
    assert event.payload["before"]["tier"] == "general" and event.payload["reason"].startswith("The customer")


def test_the_owner_raises_the_priority_without_moving_the_case(engine, session, people):
    case = file(engine, "The clerk was rude", "service_attitude").case
    work(engine, session, case.id, "tell_direction", people["ann"])
    session.refresh(case)
    correct(engine, case, people["ann"], priority="P1", reason="Elderly customer, very upset")
    fresh(session)
    assert session.get(Case, case.id).priority == "P1"
    assert [i.spec_id for i in open_items(session, case.id)] == ["propose_settlement"]
    workflow = engine.load_workflow(session.get(Case, case.id))
    [ready] = [t for t in workflow.get_tasks(manual=True) if t.task_spec.bpmn_id == "propose_settlement"]
    assert ready.data["priority"] == "P1"  # what the rest of the path reads is corrected too


def test_another_agent_may_not_re_triage_and_a_correction_needs_a_reason(engine, session, people):
    case = file(engine, "The clerk was rude", "service_attitude").case
    work(engine, session, case.id, "tell_direction", people["ann"])
    session.refresh(case)
    with pytest.raises(Forbidden):
        correct(engine, case, people["bob"], priority="P1")
    with pytest.raises(ValidationFailed) as refused:
        correct(engine, case, people["sue"], priority="P9", reason=" ")
    assert set(refused.value.errors) == {"priority", "reason"}
    fresh(session)
    assert session.get(Case, case.id).priority == "P3"
    assert not session.scalars(select(AuditEvent).where(AuditEvent.kind == "case.retriaged")).all()


def test_a_supervisor_moves_a_case_off_the_urgent_path(engine, session, people):
    """The urgent path's tasks carry boundary timers: the gateway's next task is the timers' split, complete
    while the path runs. Moving away from urgent must still find the running path and cancel it."""
    case = file(
        engine, "Someone took 80,000 from my card without permission", "card_theft", amount=80000
    ).case
    session.refresh(case)
    assert case.tier == "urgent"
    urgent_open = {i.spec_id for i in open_items(session, case.id)}
    assert urgent_open, "the urgent path has open work"

    correct(
        engine,
        case,
        people["sue"],
        tier="general",
        category="fee_dispute",
        priority="P3",
        reason="The customer made the payment himself and disputes only the fee",
    )
    fresh(session)
    case = session.get(Case, case.id)
    assert (case.tier, case.category, case.priority) == ("general", "fee_dispute", "P3")
    still_open = {i.spec_id for i in open_items(session, case.id)}
    assert still_open == {"tell_direction"}
    assert all(i.tier == "general" for i in open_items(session, case.id))
    cancelled = session.scalars(
        select(WorkItem.spec_id).where(WorkItem.case_id == case.id, WorkItem.state == WorkItemState.CANCELLED)
    ).all()
    assert urgent_open <= set(cancelled)
    waiting = waiting_timers(session, case.id)
    assert "run_urgent_path_deadline" not in waiting  # the urgent path's deadline went with it
    event = session.scalars(select(AuditEvent).where(AuditEvent.kind == "case.retriaged")).one()
    assert event.payload["moved"] is True
