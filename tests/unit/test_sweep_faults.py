"""Faults during a sweep: a failing handler becomes an incident and the sweep goes on; a database outage
loses and doubles nothing — the next tick picks the same timers up."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from engine.cases.engine import CaseEngine
from engine.models import Case, CaseStatus, Incident, Timer, TimerStatus
from engine.timers.sla import sweep
from handlers import HandlerError
from handlers import registry as base_registry
from tests.conftest import fresh


@pytest.fixture
def handlers(deploy):
    registry = base_registry.copy()

    @registry.register("flaky")
    def flaky(ctx, amount):
        if amount < 0:
            raise HandlerError("the core system refused a negative amount")
        return {"ok": amount}

    deploy("engine/timer_service.bpmn", handlers=registry)
    return registry


def test_a_handler_failing_in_a_sweep_records_an_incident_and_the_sweep_goes_on(handlers, session, db, clock):
    engine = CaseEngine(session, clock, handlers=handlers)
    bad = engine.start_case("timer_service", {"amount": -1}, actor="t")
    good = [engine.start_case("timer_service", {"amount": n}, actor="t") for n in (1, 2)]
    session.commit()
    clock.advance(hours=1, seconds=1)

    result = sweep(db.session, clock, handlers=handlers)

    assert result.fired == 3
    fresh(session)
    assert session.get(Case, bad.id).status == CaseStatus.INCIDENT
    incident = session.scalars(select(Incident)).one()
    assert incident.case_id == bad.id and "negative amount" in incident.message
    assert {session.get(Case, c.id).status for c in good} == {CaseStatus.OPEN}
    assert session.scalar(select(func.count()).where(Timer.status == TimerStatus.WAITING)) == 0


def test_a_database_outage_mid_sweep_loses_and_doubles_nothing(handlers, session, db, clock, monkeypatch):
    engine = CaseEngine(session, clock, handlers=handlers)
    cases = [engine.start_case("timer_service", {"amount": n}, actor="t") for n in range(5)]
    session.commit()
    clock.advance(hours=2)

    real = CaseEngine.write_timers
    calls = {"n": 0}

    def flaky_database(self, prepared):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OperationalError("UPDATE cases ...", {}, Exception("server closed the connection"))
        return real(self, prepared)

    monkeypatch.setattr(CaseEngine, "write_timers", flaky_database)
    with pytest.raises(OperationalError):
        sweep(db.session, clock, handlers=handlers, batch=2)
    monkeypatch.undo()
    fresh(session)
    # The first batch (two timers) committed; the second, where the database went away, rolled back whole.
    assert session.scalar(select(func.count()).where(Timer.status == TimerStatus.FIRED)) == 2

    assert sweep(db.session, clock, handlers=handlers).fired == 3  # the next tick
    fresh(session)
    assert session.scalar(select(func.count()).where(Timer.status == TimerStatus.FIRED)) == 5
    from engine.models import WorkItem

    assert session.scalar(select(func.count()).select_from(WorkItem)) == len(cases)  # one "after" task each


def test_a_case_that_cannot_be_stepped_does_not_block_the_other_timers(handlers, session, db, clock):
    from sqlalchemy import update

    engine = CaseEngine(session, clock, handlers=handlers)
    broken, *others = [engine.start_case("timer_service", {"amount": n}, actor="t") for n in (1, 2, 3)]
    session.execute(update(Case).where(Case.id == broken.id).values(state="{not json"))
    session.commit()
    clock.advance(hours=2)

    first = sweep(db.session, clock, handlers=handlers)
    second = sweep(db.session, clock, handlers=handlers)  # the next tick leaves the held timer alone

    assert (first.fired, first.skipped, second.fired, second.skipped) == (2, 1, 0, 0)
    fresh(session)
    assert session.get(Case, broken.id).status == CaseStatus.INCIDENT
    incident = session.scalars(select(Incident).where(Incident.case_id == broken.id)).one()  # recorded once
    assert "could not step this case" in incident.message and "JSONDecodeError" in incident.message
    assert {session.get(Case, c.id).status for c in others} == {CaseStatus.OPEN}
    held = session.scalars(select(Timer).where(Timer.case_id == broken.id)).one()
    assert held.status == TimerStatus.HELD


def test_a_retry_releases_the_held_timers_of_a_repaired_case(handlers, session, db, clock):
    from sqlalchemy import update

    engine = CaseEngine(session, clock, handlers=handlers)
    case = engine.start_case("timer_service", {"amount": 1}, actor="t")
    good_state = session.scalar(select(Case.state).where(Case.id == case.id))
    session.execute(update(Case).where(Case.id == case.id).values(state="{not json"))
    session.commit()
    clock.advance(hours=2)
    sweep(db.session, clock, handlers=handlers)
    session.execute(update(Case).where(Case.id == case.id).values(state=good_state))  # an operator's repair
    session.commit()
    assert sweep(db.session, clock, handlers=handlers).fired == 0  # held: not stepped by the sweep

    engine.retry(case.id, actor="ops")

    fresh(session)
    assert session.get(Case, case.id).status == CaseStatus.OPEN
    assert session.scalars(select(Timer.status).where(Timer.case_id == case.id)).all() == [TimerStatus.FIRED]
    incident = session.scalars(select(Incident).where(Incident.case_id == case.id)).one()
    assert incident.resolved_by == "ops"


def test_a_statement_error_of_one_case_is_its_incident_not_a_batch_rollback(
    handlers, session, db, clock, monkeypatch
):
    """What a cycle timer did before its statement was fixed (CompileError: bindparam() name 'task_id' is
    reserved): any error of one case but the database going away stays with that case."""
    from sqlalchemy.exc import CompileError

    from engine.runtime import projection

    engine = CaseEngine(session, clock, handlers=handlers)
    cases = [engine.start_case("timer_service", {"amount": n}, actor="t") for n in (1, 2, 3)]
    session.commit()
    clock.advance(hours=2)
    real = projection.sync

    def failing_for_the_second(session, case, *args, **kwargs):
        if case.id == cases[1].id:
            raise CompileError("bindparam() name 'task_id' is reserved for automatic usage in an UPDATE")
        return real(session, case, *args, **kwargs)

    monkeypatch.setattr(projection, "sync", failing_for_the_second)
    result = sweep(db.session, clock, handlers=handlers, batch=3)

    assert (result.fired, result.skipped) == (2, 1)
    fresh(session)
    assert [session.get(Case, c.id).status for c in cases] == [
        CaseStatus.OPEN,
        CaseStatus.INCIDENT,
        CaseStatus.OPEN,
    ]
    incident = session.scalars(select(Incident)).one()
    assert incident.case_id == cases[1].id and "CompileError" in incident.message
    statuses = session.scalars(select(Timer.status).order_by(Timer.case_id)).all()
    assert statuses == [TimerStatus.FIRED, TimerStatus.HELD, TimerStatus.FIRED]
