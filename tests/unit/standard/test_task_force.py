"""The urgent task force: risk and operations each join within 15 minutes of receipt (their own deadline and
escalation); the joiner gets the lane's task-force work already claimed; a late joiner still joins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.errors import Conflict, Forbidden
from engine.models import AuditEvent, Escalation, TaskForceMember, WorkItemState
from engine.timers.sla import sweep
from tests.conftest import fresh
from tests.unit.test_complaint_paths import ANSWERS, file, open_items, work


def item(session, case_id, spec_id):
    [found] = [i for i in open_items(session, case_id) if i.spec_id == spec_id]
    return found


def members(session, case_id):
    fresh(session)
    rows = session.scalars(select(TaskForceMember).where(TaskForceMember.case_id == case_id))
    return {m.lane: m.user_id for m in rows}


def joined_events(session, case_id):
    fresh(session)
    return session.scalars(
        select(AuditEvent)
        .where(AuditEvent.case_id == case_id, AuditEvent.kind == "task_force.joined")
        .order_by(AuditEvent.seq)
    ).all()


def test_risk_and_operations_are_asked_to_join_within_15_minutes_of_receipt(engine, session, clock):
    received = clock()
    case = file(engine, "Card stolen 盗刷", "card_theft", amount=800).case
    for spec, lane in (("join_operations", "operations"), ("join_risk", "risk")):
        found = item(session, case.id, spec)
        assert (found.lane, found.state, found.assignee_id) == (lane, WorkItemState.READY, None)
        assert found.due_at == received + timedelta(minutes=15)
    assert members(session, case.id) == {}


def test_the_joiner_gets_the_lanes_task_force_work_already_claimed(engine, session, people):
    case = file(engine, "Card stolen 盗刷", "card_theft", amount=800).case
    work(engine, session, case.id, "join_operations", people["otto"])
    work(engine, session, case.id, "join_risk", people["rita"])
    assert members(session, case.id) == {"operations": people["otto"].id, "risk": people["rita"].id}
    safeguards, trace = item(session, case.id, "apply_safeguards"), item(session, case.id, "trace_funds")
    assert (safeguards.state, safeguards.assignee_id) == (WorkItemState.CLAIMED, people["otto"].id)
    assert (trace.state, trace.assignee_id) == (WorkItemState.CLAIMED, people["rita"].id)
    [ops, risk] = joined_events(session, case.id)
    assert (ops.actor, ops.payload["lane"], ops.payload["username"], ops.payload["late"]) == (
        "otto",
        "operations",
        "otto",
        False,
    )
    assert (risk.payload["lane"], risk.payload["user"]) == ("risk", people["rita"].id)


def test_a_colleague_of_the_same_lane_cannot_take_the_joiners_work(engine, session, people, make_user):
    olga = make_user("olga", departments=("operations",))
    case = file(engine, "Card stolen 盗刷", "card_theft", amount=800).case
    work(engine, session, case.id, "join_operations", people["otto"])
    safeguards = item(session, case.id, "apply_safeguards")
    with pytest.raises(Conflict):
        engine.claim(safeguards.id, olga)
    with pytest.raises(Forbidden):
        engine.complete(safeguards.id, olga, ANSWERS["apply_safeguards"])
    work(engine, session, case.id, "apply_safeguards", people["otto"])


def test_a_late_joiner_still_joins_and_the_breach_is_escalated_once_per_lane(
    engine, session, people, db, clock
):
    received = clock()
    case = file(engine, "Card stolen 盗刷", "card_theft", amount=800).case
    session.commit()
    clock.advance(minutes=15, seconds=-1)
    sweep(db.session, clock)
    fresh(session)
    steps = [e.step for e in session.scalars(select(Escalation).where(Escalation.case_id == case.id))]
    assert "task_force_operations" not in steps and "task_force_risk" not in steps
    clock.advance(minutes=5)
    sweep(db.session, clock)
    fresh(session)
    steps = [e.step for e in session.scalars(select(Escalation).where(Escalation.case_id == case.id))]
    assert steps.count("task_force_operations") == 1 and steps.count("task_force_risk") == 1

    work(engine, session, case.id, "join_operations", people["otto"])  # 20 minutes after receipt
    assert members(session, case.id) == {"operations": people["otto"].id}
    [event] = joined_events(session, case.id)
    assert event.payload["late"] is True
    safeguards = item(session, case.id, "apply_safeguards")
    assert safeguards.assignee_id == people["otto"].id
    assert safeguards.due_at == received + timedelta(hours=1)  # the golden hour still runs from receipt
    assert item(session, case.id, "join_risk").state == WorkItemState.READY  # risk has still not joined
