"""A case's status follows its workflow's failed tasks: a step that fixed nothing never resolves an incident,
whatever else it did (a timer firing, a task completed in another branch)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.cases.engine import CaseEngine
from engine.models import AuditEvent, Case, CaseStatus, Incident, Timer, TimerStatus, WorkItem
from engine.timers.sla import sweep
from handlers import HandlerError
from handlers import registry as base_registry
from tests.conftest import fresh


@pytest.fixture
def handlers(deploy):
    registry = base_registry.copy()
    refuse = {"on": True}

    @registry.register("flaky")
    def flaky(ctx, amount):
        if refuse["on"]:
            raise HandlerError("the core system is away")
        return {"ok": amount}

    registry.refuse = refuse
    deploy("faults/incident_timer.bpmn", handlers=registry)
    return registry


def _open_incidents(session, case_id):
    fresh(session)
    query = select(Incident).where(Incident.case_id == case_id, Incident.resolved_at.is_(None))
    return list(session.scalars(query))


def test_a_timer_firing_in_a_case_in_incident_keeps_the_incident(handlers, session, db, clock):
    engine = CaseEngine(session, clock, handlers=handlers)
    case = engine.start_case("incident_timer", {"amount": 1}, actor="t")
    assert case.status == CaseStatus.INCIDENT
    clock.advance(hours=1, seconds=1)

    assert sweep(db.session, clock, handlers=handlers).fired == 1

    assert [i.task_name for i in _open_incidents(session, case.id)] == ["Call the core system"]
    assert session.get(Case, case.id).status == CaseStatus.INCIDENT
    kinds = session.scalars(select(AuditEvent.kind).where(AuditEvent.case_id == case.id)).all()
    assert "incident.resolved" not in kinds and "timer.fired" in kinds
    timer = session.scalars(select(Timer).where(Timer.case_id == case.id)).one()
    assert timer.status == TimerStatus.FIRED  # the timer's own branch went on: its task is ready
    assert session.scalars(select(WorkItem.name).where(WorkItem.case_id == case.id)).all() == [
        "Look at the case"
    ]


def test_completing_a_task_in_another_branch_keeps_the_incident(handlers, session, db, clock, make_user):
    user = make_user("agent.branch")
    engine = CaseEngine(session, clock, handlers=handlers)
    case = engine.start_case("incident_timer", {"amount": 1}, actor="t")
    clock.advance(hours=1, seconds=1)
    sweep(db.session, clock, handlers=handlers)
    fresh(session)
    item = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id)).one()

    engine.claim(item.id, user)
    engine.complete(item.id, user, {})

    assert len(_open_incidents(session, case.id)) == 1
    assert session.get(Case, case.id).status == CaseStatus.INCIDENT  # not completed: the call never ran


def test_a_retry_that_fixes_the_task_resolves_its_incident(handlers, session, db, clock):
    engine = CaseEngine(session, clock, handlers=handlers)
    case = engine.start_case("incident_timer", {"amount": 1}, actor="t")
    engine.retry(case.id, actor="ops")  # still failing: the incident stays, one more attempt
    assert [i.attempts for i in _open_incidents(session, case.id)] == [2]

    handlers.refuse["on"] = False
    engine.retry(case.id, actor="ops")

    assert _open_incidents(session, case.id) == []
    assert session.get(Case, case.id).status == CaseStatus.OPEN
