"""The escalation ladder and the regulatory clock, driven by moving the engine's clock and ticking the sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.cases import extension_requests, regulatory
from engine.cases.engine import CaseEngine
from engine.cases.intake import file_complaint
from engine.deploy import deployment
from engine.errors import Conflict, Forbidden, InvalidState, ValidationFailed
from engine.models import AuditEvent, Case, Escalation, OutboxMessage, WorkItem
from engine.timers.sla import tick
from tests.conftest import fresh
from tests.paths import PROCESSES

SETTINGS = {
    "ESCALATION_NEAR_MINUTES": 0,
    "ESCALATION_GRACE_MINUTES": (30, 120),
    "REGULATORY_WARNING_DAYS": (10, 13),
}


@pytest.fixture
def engine(session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="t", clock=clock)
    return CaseEngine(session, clock, settings=SETTINGS)


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


def run_tick(db, clock):
    return tick(db.session, clock, SETTINGS)


def ladder_events(session, item_id):
    fresh(session)
    return [
        (e.level, e.recipient)
        for e in session.scalars(
            select(Escalation)
            .where(Escalation.work_item_id == item_id, Escalation.source == "ladder")
            .order_by(Escalation.id)
        )
    ]


def test_the_ladder_tells_the_assignee_then_the_supervisors_then_the_department_head(
    engine, session, db, clock, make_user
):
    ann = make_user("ann")
    make_user("hana", role="department_head", departments=("frontline", "supervisor"))
    case = complaint(engine)
    item = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id)).one()
    engine.claim(item.id, ann)
    session.commit()
    due = item.due_at

    clock.set(due - timedelta(seconds=1))
    run_tick(db, clock)
    assert ladder_events(session, item.id) == []
    clock.set(due + timedelta(seconds=1))
    run_tick(db, clock)
    assert ladder_events(session, item.id) == [(1, f"user:{ann.id}")]
    clock.set(due + timedelta(minutes=29))
    run_tick(db, clock)
    assert len(ladder_events(session, item.id)) == 1
    clock.set(due + timedelta(minutes=31))
    run_tick(db, clock)
    clock.set(due + timedelta(minutes=121))
    run_tick(db, clock)
    assert ladder_events(session, item.id) == [
        (1, f"user:{ann.id}"),
        (2, "role:supervisor"),
        (3, "head:frontline"),
    ]
    clock.advance(days=30)
    run_tick(db, clock)
    assert len(ladder_events(session, item.id)) == 3  # the top of the ladder: nobody else to tell

    assert session.get(WorkItem, item.id).escalation_level == 3
    kinds = session.scalars(select(AuditEvent.payload).where(AuditEvent.kind == "task.escalated")).all()
    assert [k["to"] for k in kinds if "to" in k] == ["assignee", "supervisor", "department_head"]
    sent = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "task_overdue")).all()
    assert [m.recipient for m in sent] == [f"user:{ann.id}", "role:supervisor", "head:frontline"]


def test_a_task_done_in_time_never_climbs_the_ladder(engine, session, db, clock, make_user):
    ann = make_user("ann")
    case = complaint(engine)
    item = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id)).one()
    engine.claim(item.id, ann)
    engine.complete(item.id, ann, {"direction": "We will refund within 3 days"})
    clock.advance(hours=10)
    run_tick(db, clock)
    assert ladder_events(session, item.id) == []


def test_near_deadlines_remind_before_the_deadline_when_configured(session, db, clock, make_user):
    settings = {**SETTINGS, "ESCALATION_NEAR_MINUTES": 30}
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="t", clock=clock)
    engine = CaseEngine(session, clock, settings=settings)
    case = complaint(engine)
    item = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id)).one()
    session.commit()
    clock.set(item.due_at - timedelta(minutes=29))
    tick(db.session, clock, settings)
    assert ladder_events(session, item.id) == [(1, "lane:frontline")]
    sent = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "task_due_soon")).one()
    assert sent.payload["level"] == 1


def test_the_regulatory_clock_warns_on_days_10_and_13_and_marks_the_breach_on_day_15(
    engine, session, db, clock
):
    received = clock()
    case = complaint(engine)
    session.refresh(case)
    assert case.regulatory_due_at == received + timedelta(days=15)

    for day, expected in (
        (9, []),
        (10, ["regulatory.warning"]),
        (13, ["regulatory.warning"] * 2),
        (15, ["regulatory.warning"] * 2 + ["regulatory.breached"]),
    ):
        clock.set(received + timedelta(days=day, seconds=1))
        run_tick(db, clock)
        fresh(session)
        kinds = session.scalars(
            select(AuditEvent.kind).where(AuditEvent.kind.like("regulatory.%")).order_by(AuditEvent.seq)
        ).all()
        assert kinds == expected, day
    assert session.get(Case, case.id).regulatory_breached_at == received + timedelta(days=15, seconds=1)
    breach = session.scalars(select(Escalation).where(Escalation.source == "regulatory")).one()
    assert breach.step == "regulatory_deadline"


def test_extensions_go_to_30_then_60_days_with_a_senior_managers_approval_and_the_customer_is_told(
    engine, session, clock, make_user
):
    received = clock()
    ann = make_user("ann")
    sue = make_user("sue", role="supervisor", departments=("supervisor",))
    max_ = make_user("max", role="senior_manager", departments=("supervisor",))
    case = complaint(engine)

    with pytest.raises(Forbidden):
        regulatory.extend(engine, case.id, actor=ann, reason="complex")
    with pytest.raises(ValidationFailed):
        regulatory.extend(engine, case.id, actor=sue, reason="")
    regulatory.extend(engine, case.id, actor=sue, reason="Needs the card scheme's records")
    assert session.get(Case, case.id).regulatory_due_at == received + timedelta(days=30)
    with pytest.raises(Conflict):  # the further extension is a request a senior manager decides
        regulatory.extend(engine, case.id, actor=sue, reason="still complex")
    asked = extension_requests.request(engine, case.id, actor=sue, reason="Court order awaited")
    assert session.get(Case, case.id).regulatory_days == 30
    extension_requests.approve(engine, asked.id, actor=max_)
    assert session.get(Case, case.id).regulatory_due_at == received + timedelta(days=60)
    with pytest.raises(Conflict):
        regulatory.extend(engine, case.id, actor=sue, reason="more")

    told = session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "regulatory_extension")
    ).all()
    assert sorted({(m.channel, m.payload["days"]) for m in told}) == [
        ("app_push", 30),
        ("app_push", 60),
        ("sms", 30),
        ("sms", 60),
    ]
    extended = session.scalars(select(AuditEvent).where(AuditEvent.kind == "regulatory.extended")).all()
    assert [(e.payload["days"], e.payload["approved_by"]) for e in extended] == [(30, None), (60, "max")]


def test_external_appraisal_pauses_the_clock_and_the_warnings(engine, session, db, clock):
    received = clock()
    case = complaint(engine)
    clock.advance(days=5)
    regulatory.pause(engine, case.id, actor="sue", reason="Card sent to the scheme for testing")
    with pytest.raises(Conflict):
        regulatory.pause(engine, case.id, actor="sue", reason="again")
    clock.advance(days=20)  # would be day 25: no warning, no breach while paused
    run_tick(db, clock)
    fresh(session)
    assert session.scalars(select(AuditEvent.kind).where(AuditEvent.kind.like("regulatory.w%"))).all() == []
    regulatory.resume(engine, case.id, actor="sue")
    assert session.get(Case, case.id).regulatory_due_at == received + timedelta(days=35)
    clock.set(received + timedelta(days=30, seconds=1))  # day 10 of the clock, shifted by the 20 paused days
    run_tick(db, clock)
    fresh(session)
    assert session.scalars(select(AuditEvent.kind).where(AuditEvent.kind == "regulatory.warning")).all() == [
        "regulatory.warning"
    ]


def test_the_decision_reaching_the_customer_stops_the_regulatory_clock(engine, session, db, clock, make_user):
    ann = make_user("ann")
    case = complaint(engine, "The clerk was rude", "service_attitude")
    for spec, data in (
        ("tell_direction", {"direction": "We are looking into it"}),
        ("propose_settlement", {"compensation_amount": 0, "apology": "Sorry"}),
        ("send_result", {"cause": "c", "solution": "s", "advice": "a"}),
    ):
        item = session.scalars(
            select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.spec_id == spec)
        ).one()
        if item.state == "ready":
            engine.claim(item.id, ann)
        engine.complete(item.id, ann, data)
    fresh(session)
    decided = session.get(Case, case.id)
    assert decided.decided_at == clock() and decided.regulatory_next_alert_at is None
    clock.advance(days=20)
    run_tick(db, clock)
    fresh(session)
    assert session.scalars(select(AuditEvent.kind).where(AuditEvent.kind.like("regulatory.%"))).all() == []
    with pytest.raises(InvalidState):
        regulatory.pause(engine, case.id, actor="sue", reason="too late")


WORKING_DAYS_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="three_working_days" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="frontline"><bpmn:flowNodeRef>s</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>t</bpmn:flowNodeRef><bpmn:flowNodeRef>b</bpmn:flowNodeRef><bpmn:flowNodeRef>e</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>e2</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="t" name="Answer">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:boundaryEvent id="b" attachedToRef="t" cancelActivity="false"><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition>
        <bpmn:timeDate>working_days_after(received, 3)</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="e2"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
    <bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="e2"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.mark.parametrize(
    ("overrides", "due_day"),
    [
        (None, 10),  # Oct 1-7 off; Thu 8, Fri 9 and the make-up Saturday 10 count
        ({"2026-10-09": False}, 12),  # an administrator declares Friday 9 a day off: Sat 10, then Mon 12
    ],
)
def test_working_day_deadlines_in_diagrams_follow_the_chinese_calendar(session, clock, overrides, due_day):
    from datetime import UTC, datetime

    deployment.deploy(session, [("wd.bpmn", WORKING_DAYS_BPMN)], actor="t", clock=clock)
    received = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Shanghai, the eve of National Day
    clock.set(received)
    settings = {"CALENDAR_OVERRIDES": overrides} if overrides else {}
    case = CaseEngine(session, clock, settings=settings).start_case(
        "three_working_days", {"received": received.isoformat()}, actor="t"
    )
    item = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id)).one()
    assert item.due_at == datetime(2026, 10, due_day, 2, 0, tzinfo=UTC)
