"""Trying a draft replays recorded cases through it and says, per case, whether it takes the same path; it
writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidState
from engine.models import AuditEvent, Case, OutboxMessage, Timer, WorkItem
from engine.studio.run_one import run_one
from engine.studio.trying import try_draft
from engine.timers import sla
from tests.unit.studio.conftest import TELL_DIRECTION_CONDITION, edited, shipped, shorter_direction_deadline

TABLES = (Case, WorkItem, Timer, AuditEvent, OutboxMessage)


def counts(session):
    session.rollback()
    return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in TABLES}


def two_hours_on(db, clock):
    """Two hours after the demo complaints came in, with the SLA sweep caught up (as the scheduler keeps it)."""
    clock.advance(timedelta(hours=2))
    sla.tick(db.session, clock, {})


def test_the_deployed_bundle_replays_every_case_on_the_same_path(session, clock, db, demo_cases):
    two_hours_on(db, clock)
    report = try_draft(session, clock, shipped())
    assert report.versions == ["complaint v1"]
    assert report.counts == {"same": 12, "different": 0, "stuck": 0, "incident": 0}


def test_a_shorter_deadline_shows_the_cases_it_would_have_escalated(session, clock, db, demo_cases):
    two_hours_on(db, clock)
    before = counts(session)
    report = try_draft(session, clock, shorter_direction_deadline(shipped()))
    different = [o for o in report.outcomes if o.result == "different"]
    # The general complaints still waiting for their direction after two hours: the draft escalates them.
    waiting = set(
        session.scalars(
            select(Case.reference)
            .join(WorkItem)
            .where(WorkItem.spec_id == "tell_direction", WorkItem.state != "completed")
        )
    )
    assert {o.reference for o in different} == waiting and len(waiting) == 4
    assert all(o.draft_next["id"] == "tell_direction_deadline" for o in different)
    assert report.counts["same"] == 8
    assert counts(session) == before  # the try wrote nothing


def test_a_deadline_that_fires_on_both_versions_is_the_same_path_at_another_time(
    session, clock, db, demo_cases
):
    clock.advance(timedelta(hours=6))
    sla.tick(db.session, clock, {})
    report = try_draft(session, clock, shorter_direction_deadline(shipped()))
    moved = [o for o in report.outcomes if "4 hours from receipt" in o.detail]
    assert len(moved) == 4 and {o.result for o in moved} == {"same"}
    assert "2026-03-02 05:00 UTC → 2026-03-02 02:00 UTC" in moved[0].detail


def test_a_case_whose_recorded_task_the_draft_never_reaches_parts_there(session, clock, db, demo_cases):
    # The demo's first fee dispute had its direction told; in a draft where that task has another id, the
    # recorded submission finds nothing to complete.
    files = [
        (n, c.replace(b"tell_direction", b"give_direction") if n == "general.bpmn" else c)
        for n, c in shipped()
    ]
    report = try_draft(session, clock, files)
    told = session.scalar(
        select(Case.reference)
        .join(WorkItem)
        .where(WorkItem.spec_id == "tell_direction", WorkItem.state == "completed")
    )
    outcome = next(o for o in report.outcomes if o.reference == told)
    assert outcome.result == "different"
    assert outcome.recorded_next["id"] == "tell_direction" and outcome.draft_next["id"] == "give_direction"
    assert "tell_direction" in outcome.detail


def test_a_draft_with_problems_is_not_tried(session, clock, demo_cases):
    broken = edited(shipped(), "general.bpmn", TELL_DIRECTION_CONDITION, b"")
    with pytest.raises(InvalidState) as refused:
        try_draft(session, clock, broken)
    assert refused.value.details["problems"][0]["element"] == "flow_which_route_to_settled"


def test_a_failing_expression_is_an_incident(session, clock, db, demo_cases):
    files = edited(shipped(), "general.bpmn", b'route == "direct"', b'unknown_name or route == "direct"')
    report = try_draft(session, clock, files)
    # Only cases that reached the settlement route evaluate the condition; none did yet: all the same.
    assert report.counts["incident"] == 0
    data = {
        "complaint": {
            "channel": "phone",
            "business_type": "bank_card",
            "category": "fee_dispute",
            "description": "fee twice",
            "amount": 120,
            "received_at": clock().isoformat(),
            "language": "en",
        },
        "customer": {"id": "C1", "name": "Zhang", "phone": "13800000000", "segment": "standard"},
    }
    steps = [
        {"task": "tell_direction", "data": {"direction": "we check the fee"}},
        {"task": "propose_settlement", "data": {"compensation_amount": 0, "apology": "sorry"}},
    ]
    state = run_one(session, clock, files, process="complaint", data=data, steps=steps)
    assert state["status"] == "incident" and "unknown_name" in state["error"]


def test_running_one_case_steps_the_draft_with_typed_data_and_a_moving_clock(session, clock, deployed):
    data = {
        "complaint": {
            "channel": "phone",
            "business_type": "bank_card",
            "category": "fee_dispute",
            "description": "fee twice",
            "amount": 120,
            "received_at": clock().isoformat(),
            "language": "en",
        },
        "customer": {"id": "C1", "name": "Zhang", "phone": "13800000000", "segment": "standard"},
    }
    files = shorter_direction_deadline(shipped())
    state = run_one(session, clock, files, process="complaint", data=data, steps=[])
    assert [t["id"] for t in state["ready"]] == ["tell_direction"]
    assert state["ready"][0]["form"]["title"].startswith("Handling direction")
    assert state["timers"][0]["due_at"] == clock() + timedelta(hours=1)
    state = run_one(session, clock, files, process="complaint", data=data, steps=[{"wait_minutes": 61}])
    assert "tell_direction_escalate" in [e["id"] for e in state["path"]]
    assert [m["template"] for m in state["messages"]] == [
        "complaint_received",
        "complaint_received",
        "escalation",
    ]
    assert counts(session)["cases"] == 0
