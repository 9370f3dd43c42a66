"""A supervisor reassigns a task (reason required, lane checked, audited, the new assignee told) or
acknowledges an escalation; the escalation ladder keeps its place."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.cases import assignment
from engine.cases.engine import CaseEngine
from engine.cases.intake import file_complaint
from engine.deploy import deployment
from engine.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationFailed
from engine.models import AuditEvent, Case, Escalation, OutboxMessage, WorkItem, WorkItemState
from engine.timers.sla import tick
from tests.conftest import fresh
from tests.paths import PROCESSES

SETTINGS = {"ESCALATION_NEAR_MINUTES": 0, "ESCALATION_GRACE_MINUTES": (30, 120)}


@pytest.fixture
def engine(session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="t", clock=clock)
    return CaseEngine(session, clock, settings=SETTINGS)


@pytest.fixture
def people(make_user):
    return {
        "ann": make_user("ann"),
        "bob": make_user("bob"),
        "rita": make_user("rita", departments=("risk",)),
        "ron": make_user("ron", departments=("risk",)),
        "sue": make_user("sue", "supervisor", ("supervisor", "frontline")),
    }


def complaint(engine, description="Fee charged twice", category="fee_dispute"):
    data = {
        "complaint": {
            "channel": "phone",
            "business_type": "bank_card",
            "category": category,
            "description": description,
            "amount": 100,
        },
        "customer": {"id": "C-9", "name": "Li", "phone": "13900000000"},
    }
    return file_complaint(engine, data, actor="channel").case


def a_risk_task(engine, session, case):
    """A task in the risk lane of the case (the shipped paths put one there only for urgent cases)."""
    item = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id)).first()
    item.lane, item.assign_to = "risk", None
    session.commit()
    return item


def events(session, kind):
    fresh(session)
    return [e.payload for e in session.scalars(select(AuditEvent).where(AuditEvent.kind == kind))]


def test_reassigning_moves_the_task_records_who_and_why_and_tells_both_people(engine, session, people):
    case = complaint(engine)
    item = a_risk_task(engine, session, case)
    engine.claim(item.id, people["rita"])

    assignment.reassign(engine, item.id, people["ron"], actor=people["sue"], reason="Rita is on leave")

    fresh(session)
    moved = session.get(WorkItem, item.id)
    assert (moved.state, moved.assignee_id) == (WorkItemState.CLAIMED, people["ron"].id)
    [event] = events(session, "task.reassigned")
    assert event["from"] == "rita" and event["to"] == "ron"
    assert event["reason"] == "Rita is on leave" and event["actor"] == "sue"
    sent = session.scalars(select(OutboxMessage).where(OutboxMessage.template.like("task_reassigned%"))).all()
    assert {(m.recipient, m.template) for m in sent} == {
        (f"user:{people['ron'].id}", "task_reassigned"),
        (f"user:{people['rita'].id}", "task_reassigned_away"),
    }


def test_the_new_assignee_must_work_the_lane_and_be_active(engine, session, people):
    case = complaint(engine)
    item = a_risk_task(engine, session, case)
    with pytest.raises(ValidationFailed) as refused:
        assignment.reassign(engine, item.id, people["bob"], actor=people["sue"], reason="r")
    assert "assignee" in refused.value.errors
    people["ron"].active = False
    session.commit()
    with pytest.raises(ValidationFailed):
        assignment.reassign(engine, item.id, people["ron"], actor=people["sue"], reason="r")
    assert events(session, "task.reassigned") == []


@pytest.mark.parametrize("reason", ["", "   ", "x" * (assignment.REASON_MAX + 1)])
def test_a_reason_is_required_and_bounded(engine, session, people, reason):
    item = a_risk_task(engine, session, complaint(engine))
    with pytest.raises(ValidationFailed) as refused:
        assignment.reassign(engine, item.id, people["ron"], actor=people["sue"], reason=reason)
    assert "reason" in refused.value.errors


def test_only_a_supervisor_reassigns(engine, session, people):
    item = a_risk_task(engine, session, complaint(engine))
    with pytest.raises(Forbidden):
        assignment.reassign(engine, item.id, people["ron"], actor=people["rita"], reason="mine now")


def test_a_closed_task_a_missing_one_or_the_same_assignee_is_refused(engine, session, people):
    item = a_risk_task(engine, session, complaint(engine))
    engine.claim(item.id, people["rita"])
    with pytest.raises(InvalidState):
        assignment.reassign(engine, item.id, people["rita"], actor=people["sue"], reason="again")
    with pytest.raises(NotFound):
        assignment.reassign(engine, 999_999, people["ron"], actor=people["sue"], reason="r")
    session.get(WorkItem, item.id).state = WorkItemState.COMPLETED
    session.commit()
    with pytest.raises(Conflict):
        assignment.reassign(engine, item.id, people["ron"], actor=people["sue"], reason="r")


def test_a_frontline_task_of_an_unowned_case_makes_its_new_holder_the_owner(engine, session, people):
    case = complaint(engine)
    [item] = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id)).all()
    assert item.assign_to == "owner" and item.state == WorkItemState.READY

    assignment.reassign(engine, item.id, people["ann"], actor=people["sue"], reason="Ann knows the customer")

    fresh(session)
    assert session.get(Case, case.id).owner_id == people["ann"].id
    # The owner's customer-facing task now moves only with the owner.
    with pytest.raises(ValidationFailed) as refused:
        assignment.reassign(engine, item.id, people["bob"], actor=people["sue"], reason="Bob instead")
    assert "change the case owner" in refused.value.errors["assignee"]


def test_reassigning_keeps_the_ladder_in_place_and_handles_the_open_escalations(
    engine, session, db, clock, people
):
    item = a_risk_task(engine, session, complaint(engine))
    engine.claim(item.id, people["rita"])
    clock.set(item.due_at + timedelta(minutes=31))
    tick(db.session, clock, SETTINGS)  # assignee reminded
    tick(db.session, clock, SETTINGS)  # supervisors told
    fresh(session)
    before = session.get(WorkItem, item.id)
    level, next_at = before.escalation_level, before.ladder_next_at
    assert level == 2

    assignment.reassign(engine, item.id, people["ron"], actor=people["sue"], reason="Rita is stuck")

    fresh(session)
    after = session.get(WorkItem, item.id)
    assert (after.escalation_level, after.ladder_next_at) == (level, next_at)
    open_rows = session.scalars(
        select(Escalation).where(Escalation.work_item_id == item.id, Escalation.resolved_at.is_(None))
    ).all()
    assert open_rows == []
    [event] = events(session, "task.reassigned")
    assert event["escalations_handled"] >= 2  # the ladder's two, and the diagram's own timer
    # Still late two hours after the deadline: the department head is told, as before.
    clock.set(item.due_at + timedelta(minutes=121))
    tick(db.session, clock, SETTINGS)
    fresh(session)
    assert session.get(WorkItem, item.id).escalation_level == 3


def test_acknowledging_an_escalation_closes_it_once_and_is_audited(engine, session, db, clock, people):
    item = a_risk_task(engine, session, complaint(engine))
    clock.set(item.due_at + timedelta(minutes=1))
    tick(db.session, clock, SETTINGS)
    fresh(session)
    row = session.scalars(
        select(Escalation).where(Escalation.work_item_id == item.id, Escalation.source == "ladder")
    ).one()

    with pytest.raises(Forbidden):
        assignment.acknowledge(engine, row.id, actor=people["rita"])
    assignment.acknowledge(engine, row.id, actor=people["sue"])
    with pytest.raises(Conflict):
        assignment.acknowledge(engine, row.id, actor=people["sue"])
    with pytest.raises(NotFound):
        assignment.acknowledge(engine, 999_999, actor=people["sue"])

    fresh(session)
    assert session.get(Escalation, row.id).resolved_at == clock()
    [event] = events(session, "escalation.acknowledged")
    assert event["escalation"] == row.id


def test_candidates_are_the_active_people_of_the_lane(session, people):
    people["ron"].active = False
    session.commit()
    assert [u.username for u in assignment.candidates(session, "risk")] == ["rita"]
    assert [u.username for u in assignment.candidates(session, "supervisor")] == ["sue"]
