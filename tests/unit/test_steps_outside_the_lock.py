"""No step holds up other writers while SpiffWorkflow works (scripts, decisions, service calls). On SQLite that
means the work runs before the step opens its write transaction, which holds the one writer gate of every
process. On PostgreSQL a step may have claimed its own timer rows (the sweep does, so that sweepers share the
work), but holds no lock on any case while the work runs. A test handler records what it saw as it ran."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from engine.cases.engine import CaseEngine
from engine.models import Case, CaseStatus, Timer, TimerStatus, WorkItem
from engine.store.db import in_write, is_sqlite
from engine.timers.sla import sweep
from handlers import registry as base_registry
from tests.conftest import fresh


@pytest.fixture
def sessions(db):
    """Every session the code under test opens (the sweep opens its own)."""
    opened = []

    def factory():
        opened.append(db.session())
        return opened[-1]

    factory.opened = opened
    return factory


# Locks another backend holds on rows of the cases table (FOR UPDATE, or an UPDATE not yet committed).
_CASE_ROW_LOCKS = text(
    "SELECT count(*) FROM pg_locks l JOIN pg_class r ON r.oid = l.relation WHERE r.relname = 'cases'"
    " AND l.mode IN ('RowShareLock', 'RowExclusiveLock') AND l.pid <> pg_backend_pid()"
)


@pytest.fixture
def probe(deploy, session, sessions, db):
    registry = base_registry.copy()
    seen: list[bool] = []

    def holding_up_writers() -> bool:
        if is_sqlite(db.engine):
            return any(in_write(s) for s in [session, *sessions.opened])
        with db.engine.connect() as conn:
            return conn.scalar(_CASE_ROW_LOCKS) > 0

    @registry.register("flaky")
    def flaky(ctx, amount):
        seen.append(holding_up_writers())
        return {"ok": amount}

    deploy("engine/timer_service.bpmn", handlers=registry)
    deploy("faults/probe_after_task.bpmn", handlers=registry)
    registry.seen = seen
    return registry


def test_a_completion_holds_up_no_writer_while_the_workflow_runs(probe, session, clock, make_user):
    user = make_user("agent.gate")
    engine = CaseEngine(session, clock, handlers=probe)
    case = engine.start_case("probe_after_task", {"amount": 3}, actor="t")
    item = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id)).one()
    engine.claim(item.id, user)

    engine.complete(item.id, user, {})

    assert probe.seen == [False]
    fresh(session)
    assert session.scalars(
        select(WorkItem.name).where(WorkItem.case_id == case.id).order_by(WorkItem.id)
    ).all() == [
        "Check the case",
        "Look at the reply",
    ]


def test_the_sweep_holds_up_no_writer_of_a_case_while_the_workflows_run(probe, session, sessions, clock):
    engine = CaseEngine(session, clock, handlers=probe)
    cases = [engine.start_case("timer_service", {"amount": n}, actor="t") for n in (1, 2, 3)]
    session.commit()
    clock.advance(hours=1, seconds=1)

    result = sweep(sessions, clock, handlers=probe, batch=2)

    assert result.fired == 3 and probe.seen == [False, False, False]
    fresh(session)
    assert set(session.scalars(select(Timer.status))) == {TimerStatus.FIRED}
    assert {session.get(Case, c.id).status for c in cases} == {CaseStatus.OPEN}


def test_a_case_changed_while_the_sweep_ran_its_workflow_is_run_again_on_the_fresh_row(
    probe, session, db, clock, monkeypatch
):
    """Between the sweep's in-memory run and its write, someone completes a task on the same case: the sweep
    must not overwrite that; it runs the timer again on the case as it now is."""
    engine = CaseEngine(session, clock, handlers=probe)
    case = engine.start_case("timer_service", {"amount": 1}, actor="t")
    session.commit()
    clock.advance(hours=1, seconds=1)
    real = CaseEngine.prepare_timers

    def meanwhile(self, case_row, at):
        prepared = real(self, case_row, at)
        with db.session() as other:  # another node's step changes the case after the sweep read it
            other.execute(
                update(Case)
                .where(Case.id == case_row.id)
                .values(title="renamed meanwhile", revision=Case.revision + 1)
            )
            other.commit()
        return prepared

    monkeypatch.setattr(CaseEngine, "prepare_timers", meanwhile)
    result = sweep(db.session, clock, handlers=probe)

    assert result.fired == 1 and len(probe.seen) == 2  # run twice: again, under the lock, on the fresh row
    fresh(session)
    stored = session.get(Case, case.id)
    assert stored.title == "renamed meanwhile"  # the other node's change survived
    assert session.scalars(select(WorkItem.name).where(WorkItem.case_id == case.id)).all() == [
        "Look at the reply"
    ]


def test_a_completion_whose_case_changed_meanwhile_is_prepared_again(
    probe, session, db, clock, make_user, monkeypatch
):
    from engine.cases import completion

    user = make_user("agent.again")
    engine = CaseEngine(session, clock, handlers=probe)
    case = engine.start_case("probe_after_task", {"amount": 3}, actor="t")
    item = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id)).one()
    engine.claim(item.id, user)
    real = completion.prepare
    calls = []

    def meanwhile(*args):
        prepared = real(*args)
        calls.append(1)
        if len(calls) == 1:  # another node's step changes the case after this completion read it
            with db.session() as other:
                other.execute(
                    update(Case).where(Case.id == case.id).values(title="changed", revision=Case.revision + 1)
                )
                other.commit()
        return prepared

    monkeypatch.setattr(completion, "prepare", meanwhile)
    engine.complete(item.id, user, {})

    assert len(calls) == 2 and probe.seen == [False, False]
    fresh(session)
    assert session.get(Case, case.id).title == "changed"
    names = session.scalars(
        select(WorkItem.name).where(WorkItem.case_id == case.id).order_by(WorkItem.id)
    ).all()
    assert names == ["Check the case", "Look at the reply"]


def test_a_delivered_message_holds_up_no_writer_while_the_workflow_runs(probe, deploy, session, clock):
    deploy("faults/probe_after_message.bpmn", handlers=probe)
    engine = CaseEngine(session, clock, handlers=probe)
    case = engine.start_case("probe_after_message", {"amount": 5}, actor="t")

    engine.deliver_message(case.id, "customer_reply", {}, actor="customer")

    assert probe.seen == [False]
    fresh(session)
    assert session.scalars(select(WorkItem.name).where(WorkItem.case_id == case.id)).all() == [
        "Look at the reply"
    ]


def test_a_retry_of_a_case_with_nothing_left_in_error_opens_it(probe, session, clock):
    engine = CaseEngine(session, clock, handlers=probe)
    case = engine.start_case("probe_after_task", {"amount": 3}, actor="t")
    session.execute(update(Case).where(Case.id == case.id).values(status=CaseStatus.INCIDENT))
    session.commit()

    engine.retry(case.id, actor="ops")  # nothing in error: the step runs, and the case is open again

    fresh(session)
    assert session.get(Case, case.id).status == CaseStatus.OPEN


class _Deadlock(Exception):
    sqlstate = "40P01"  # what psycopg's DeadlockDetected carries


def test_a_step_that_postgresql_picks_to_break_a_deadlock_is_a_conflict_not_a_crash(
    probe, session, clock, make_user, monkeypatch
):
    from sqlalchemy.exc import OperationalError

    from engine.errors import Conflict
    from engine.runtime.step import Step

    user = make_user("agent.deadlock")
    engine = CaseEngine(session, clock, handlers=probe)
    case = engine.start_case("probe_after_task", {"amount": 3}, actor="t")
    item = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id)).one()
    engine.claim(item.id, user)

    def deadlocked(self, completed_task_id=None):
        raise OperationalError("UPDATE cases ...", {}, _Deadlock("deadlock detected"))

    monkeypatch.setattr(Step, "save", deadlocked)
    with pytest.raises(Conflict):
        engine.complete(item.id, user, {})
    monkeypatch.undo()

    fresh(session)
    assert session.get(WorkItem, item.id).state == "claimed"  # nothing was written; completing again works
    engine.complete(item.id, user, {})
    fresh(session)
    assert session.get(WorkItem, item.id).state == "completed"
