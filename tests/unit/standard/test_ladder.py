"""The head rung of the escalation ladder reaches somebody: a department head of the lane, or, when the lane
has none, the supervisor lane, with a warning that names the department."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from engine.models import OutboxMessage, WorkItem
from engine.timers import ladder
from tests.conftest import fresh
from tests.unit.test_sla_clock import complaint, run_tick


def climb_to_the_head(engine, session, db, clock, who):
    case = complaint(engine)
    item = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id)).one()
    engine.claim(item.id, who)
    session.commit()
    for minutes in (1, 31, 121):
        clock.set(item.due_at + timedelta(minutes=minutes))
        run_tick(db, clock)
    fresh(session)
    return [
        m.recipient
        for m in session.scalars(select(OutboxMessage).where(OutboxMessage.template == "task_overdue"))
    ]


def test_a_lane_without_a_head_escalates_to_the_supervisor_lane_with_a_warning(
    engine,
    session,
    db,
    clock,
    make_user,
    caplog,
):
    ann = make_user("ann")
    make_user("sue", role="supervisor", departments=("supervisor",))
    with caplog.at_level(logging.WARNING, logger="complaints.ladder"):
        sent = climb_to_the_head(engine, session, db, clock, ann)
    assert sent == [f"user:{ann.id}", "role:supervisor", "lane:supervisor"]
    assert any("'frontline'" in r.getMessage() for r in caplog.records)


def test_the_departments_without_a_head_are_listed_and_a_department_head_fills_the_gap(session, make_user):
    make_user("sue", role="supervisor", departments=("supervisor", "frontline"))
    assert ladder.unreached_heads(session) == ["risk", "operations", "product", "compliance"]
    make_user("hal", role="department_head", departments=("risk", "operations", "supervisor"))
    assert ladder.unreached_heads(session) == ["product", "compliance"]
