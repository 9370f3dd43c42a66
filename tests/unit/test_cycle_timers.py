"""Cycle timers (``R3/PT1H``, ``R/PT1H``) through the SLA sweep: each occurrence fires once, on time, as its own
timer row, and a case with a cycle timer never holds back the other cases of its batch."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.cases.engine import CaseEngine
from engine.models import AuditEvent, Case, CaseStatus, Timer, TimerStatus
from engine.timers.sla import sweep
from tests.conftest import fresh


@pytest.fixture
def engine(deploy, session, clock):
    deploy("faults/cycle_timers.bpmn")
    deploy("faults/plain_timer.bpmn")
    return CaseEngine(session, clock)


def _runs(engine, session, case_id: int, spec: str) -> int:
    """How many times the task ``spec`` ran in the stored workflow."""
    fresh(session)
    workflow = engine.load_workflow(session.get(Case, case_id))
    return sum(1 for t in workflow.get_tasks() if t.task_spec.name == spec and t.has_state(64))  # COMPLETED


def _rows(session, case_id: int, name: str) -> list[Timer]:
    fresh(session)
    query = select(Timer).where(Timer.case_id == case_id, Timer.name == name).order_by(Timer.due_at)
    return list(session.scalars(query))


def _fired_events(session, case_id: int, name: str) -> list[dict]:
    query = select(AuditEvent.payload).where(AuditEvent.case_id == case_id, AuditEvent.kind == "timer.fired")
    return [p for p in session.scalars(query) if p["timer"] == name]


def test_a_finite_and_an_unbounded_cycle_fire_every_occurrence_once_through_the_sweep(
    engine, session, db, clock
):
    case = engine.start_case("cycle_timers", {}, actor="t")
    session.commit()

    fired = []
    for _ in range(5):
        clock.advance(hours=1, seconds=1)
        fired.append(sweep(db.session, clock).fired)

    assert fired == [1, 1, 1, 1, 1]  # one step per case and tick, each firing one or two occurrences
    assert _runs(engine, session, case.id, "count_nudge") == 3  # R3: three times, then never again
    assert _runs(engine, session, case.id, "count_reminder") == 5  # R: every hour while the review waits
    nudges = _rows(session, case.id, "Every hour, three times")
    assert [t.status for t in nudges] == [TimerStatus.FIRED] * 3
    assert len({t.due_at for t in nudges}) == 3
    reminders = _rows(session, case.id, "Remind every hour")
    assert [t.status for t in reminders] == [TimerStatus.FIRED] * 5 + [TimerStatus.WAITING]
    assert all(t.fired_at > t.due_at for t in nudges + reminders[:5])
    assert len(_fired_events(session, case.id, "Remind every hour")) == 5
    assert len(_fired_events(session, case.id, "Every hour, three times")) == 3
    assert session.get(Case, case.id).status == CaseStatus.OPEN


def test_a_late_sweep_catches_up_every_missed_occurrence_once(engine, session, db, clock):
    case = engine.start_case("cycle_timers", {}, actor="t")
    session.commit()
    clock.advance(hours=4, seconds=30)  # four occurrences of each cycle are due at once

    sweep(db.session, clock)

    assert _runs(engine, session, case.id, "count_nudge") == 3
    assert _runs(engine, session, case.id, "count_reminder") == 4
    reminders = _rows(session, case.id, "Remind every hour")
    assert [t.status for t in reminders] == [TimerStatus.FIRED] * 4 + [TimerStatus.WAITING]
    assert reminders[-1].due_at.replace(tzinfo=None) > clock().replace(tzinfo=None)
    assert sweep(db.session, clock).fired == 0  # nothing fires twice


def test_completing_the_task_cancels_its_cycle_reminder(engine, session, db, clock, make_user):
    from engine.models import WorkItem

    user = make_user("agent.cycle")
    case = engine.start_case("cycle_timers", {}, actor="t")
    session.commit()
    clock.advance(hours=1, seconds=1)
    sweep(db.session, clock)
    fresh(session)
    item = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id)).one()
    engine.claim(item.id, user)
    engine.complete(item.id, user, {})

    reminders = _rows(session, case.id, "Remind every hour")
    assert [t.status for t in reminders] == [TimerStatus.FIRED, TimerStatus.CANCELLED]


def test_cycle_timers_batched_with_ordinary_ones_hold_nothing_back(engine, session, db, clock):
    cycling = [engine.start_case("cycle_timers", {}, actor="t") for _ in range(3)]
    plain = [engine.start_case("plain_timer", {}, actor="t") for _ in range(3)]
    session.commit()
    clock.advance(hours=1, seconds=1)

    result = sweep(db.session, clock, batch=4)

    assert (result.fired, result.skipped) == (6, 0)
    fresh(session)
    waiting_due = select(func.count()).where(Timer.status == TimerStatus.WAITING, Timer.due_at < clock())
    assert session.scalar(waiting_due) == 0
    for case in cycling:
        assert _runs(engine, session, case.id, "count_nudge") == 1
    assert {session.get(Case, c.id).status for c in cycling + plain} == {CaseStatus.OPEN}
