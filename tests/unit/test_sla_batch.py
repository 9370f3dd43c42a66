"""The sweep fires due timers in batches: one claim, one audit append and one commit for several cases, each case
stepped in its own savepoint, so one case failing rolls back that case alone."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from engine import audit
from engine.cases.engine import CaseEngine
from engine.models import AuditEvent, Case, CaseStatus, Incident, OutboxMessage, Timer, TimerStatus, WorkItem
from engine.store.db import WRITE_OPTION
from engine.timers.sla import sweep
from handlers import registry as base_registry
from tests.conftest import fresh


@pytest.fixture
def handlers(deploy):
    registry = base_registry.copy()

    @registry.register("flaky")
    def flaky(ctx, amount):
        ctx.send("sms", f"customer:{amount}", "reply", amount=amount)
        return {"ok": amount}

    deploy("engine/timer_service.bpmn", handlers=registry)
    return registry


def start(engine, session, clock, count: int) -> list[int]:
    """``count`` cases whose one-hour timers fall due a second apart, in case id order."""
    ids = []
    for n in range(count):
        ids.append(engine.start_case("timer_service", {"amount": n}, actor="t").id)
        clock.advance(seconds=1)
    session.commit()
    return ids


def timers_by_status(session) -> dict[int, TimerStatus]:
    fresh(session)
    return dict(session.execute(select(Timer.case_id, Timer.status)).all())


def fired_events(session) -> list[int]:
    fresh(session)
    return session.scalars(
        select(AuditEvent.case_id).where(AuditEvent.kind == "timer.fired").order_by(AuditEvent.seq)
    ).all()


@pytest.fixture
def statements(db):
    """Count the commits of write transactions and the audit appends the database sees while the test runs.

    (A sweep also ends a read transaction per batch, in which it ran the batch's workflows: not counted.)"""
    seen = {"commit": 0, "audit insert": 0}

    def on_commit(conn):
        if conn.get_execution_options().get(WRITE_OPTION):
            seen["commit"] += 1

    def on_execute(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS"):
            seen["audit insert"] += 1

    event.listen(db.engine, "commit", on_commit)
    event.listen(db.engine, "before_cursor_execute", on_execute)
    yield seen
    event.remove(db.engine, "commit", on_commit)
    event.remove(db.engine, "before_cursor_execute", on_execute)


def test_a_sweep_commits_and_appends_to_the_audit_log_once_per_batch(
    handlers, session, db, clock, statements
):
    cases = start(CaseEngine(session, clock, handlers=handlers), session, clock, 7)
    clock.advance(hours=1)
    statements.update({"commit": 0, "audit insert": 0})

    result = sweep(db.session, clock, handlers=handlers, batch=3)

    assert (result.fired, result.skipped) == (7, 0)
    assert statements == {"commit": 3, "audit insert": 3}  # batches of 3, 3 and 1
    assert set(timers_by_status(session).values()) == {TimerStatus.FIRED}
    assert fired_events(session) == cases  # in due order
    assert session.scalar(select(func.count()).select_from(WorkItem)) == 7
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 7
    verification = audit.verify(session)
    assert verification.ok, str(verification)


def test_a_case_failing_in_the_middle_of_a_batch_rolls_back_alone(handlers, session, db, clock, monkeypatch):
    first, victim, last = start(CaseEngine(session, clock, handlers=handlers), session, clock, 3)
    clock.advance(hours=1)
    victim_events = session.scalar(select(func.count()).where(AuditEvent.case_id == victim))
    real = CaseEngine.write_timers

    def changed_meanwhile(self, prepared):
        fired = real(self, prepared)  # everything written: state, timer, work item, outbox, audit events ...
        if prepared.step.case.id == victim:
            raise StaleDataError("... and then another node turned out to have stepped the case first")
        return fired

    monkeypatch.setattr(CaseEngine, "write_timers", changed_meanwhile)
    result = sweep(db.session, clock, handlers=handlers)
    monkeypatch.undo()

    assert (result.fired, result.skipped) == (2, 1)
    assert timers_by_status(session) == {
        first: TimerStatus.FIRED,
        victim: TimerStatus.WAITING,
        last: TimerStatus.FIRED,
    }
    for table in (WorkItem, OutboxMessage):  # none of the victim's writes survived its savepoint
        assert sorted(session.scalars(select(table.case_id))) == [first, last]
    assert session.scalar(select(func.count()).where(AuditEvent.case_id == victim)) == victim_events
    assert fired_events(session) == [first, last]
    assert audit.verify(session).ok

    assert sweep(db.session, clock, handlers=handlers).fired == 1  # the next tick
    assert set(timers_by_status(session).values()) == {TimerStatus.FIRED}
    assert fired_events(session) == [first, last, victim]
    assert session.scalar(select(func.count()).where(OutboxMessage.case_id == victim)) == 1
    assert audit.verify(session).ok


def test_a_broken_case_in_the_middle_of_a_batch_goes_to_incident_in_the_same_commit(
    handlers, session, db, clock, statements
):
    first, broken, last = start(CaseEngine(session, clock, handlers=handlers), session, clock, 3)
    session.execute(update(Case).where(Case.id == broken).values(state="{not json"))
    session.commit()
    clock.advance(hours=1)
    statements.update({"commit": 0, "audit insert": 0})

    result = sweep(db.session, clock, handlers=handlers)

    assert (result.fired, result.skipped) == (2, 1)
    assert statements == {"commit": 1, "audit insert": 1}
    fresh(session)
    assert session.get(Case, broken).status == CaseStatus.INCIDENT
    assert session.scalars(select(Incident.case_id)).all() == [broken]
    kinds = session.execute(
        select(AuditEvent.case_id, AuditEvent.kind)
        .where(AuditEvent.kind.in_(["timer.fired", "incident.opened"]))
        .order_by(AuditEvent.seq)
    ).all()
    assert [tuple(k) for k in kinds] == [
        (first, "timer.fired"),
        (broken, "incident.opened"),
        (last, "timer.fired"),
    ]
    assert audit.verify(session).ok


def test_a_database_error_rolls_the_whole_batch_back_and_the_next_tick_fires_it_once(
    handlers, session, db, clock, monkeypatch
):
    cases = start(CaseEngine(session, clock, handlers=handlers), session, clock, 5)
    clock.advance(hours=1)
    real = CaseEngine.write_timers
    calls = {"n": 0}

    def flaky_database(self, prepared):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OperationalError("UPDATE cases ...", {}, Exception("server closed the connection"))
        return real(self, prepared)

    monkeypatch.setattr(CaseEngine, "write_timers", flaky_database)
    with pytest.raises(OperationalError):
        sweep(db.session, clock, handlers=handlers)
    monkeypatch.undo()
    assert set(timers_by_status(session).values()) == {TimerStatus.WAITING}
    assert fired_events(session) == []

    assert sweep(db.session, clock, handlers=handlers).fired == 5
    assert set(timers_by_status(session).values()) == {TimerStatus.FIRED}
    assert fired_events(session) == cases
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 5
    assert audit.verify(session).ok


def test_the_limit_caps_the_last_batch(handlers, session, db, clock):
    cases = start(CaseEngine(session, clock, handlers=handlers), session, clock, 6)
    clock.advance(hours=1)

    assert sweep(db.session, clock, handlers=handlers, limit=4, batch=3).fired == 4
    assert fired_events(session) == cases[:4]


def test_each_firing_in_a_batch_carries_its_own_time(handlers, session, db, clock):
    start(CaseEngine(session, clock, handlers=handlers), session, clock, 4)
    clock.advance(hours=1)

    def ticking():  # a clock that moves a millisecond every time it is read
        clock.advance(milliseconds=1)
        return clock()

    sweep(db.session, ticking, handlers=handlers)

    fresh(session)
    fired_at = session.scalars(select(Timer.fired_at).order_by(Timer.due_at)).all()
    assert fired_at == sorted(fired_at) and len(set(fired_at)) == 4
    occurred = session.scalars(
        select(AuditEvent.occurred_at).where(AuditEvent.kind == "timer.fired").order_by(AuditEvent.seq)
    ).all()
    assert occurred == fired_at
    assert timedelta(0) < fired_at[-1] - fired_at[0] < timedelta(seconds=1)


class LockConflict(Exception):
    sqlstate = "40P01"  # what psycopg's DeadlockDetected carries


def test_a_lock_conflict_on_one_case_rolls_back_that_case_alone(handlers, session, db, clock, monkeypatch):
    first, victim, last = start(CaseEngine(session, clock, handlers=handlers), session, clock, 3)
    clock.advance(hours=1)
    real = CaseEngine.write_timers

    def deadlocked(self, prepared):
        fired = real(self, prepared)
        if prepared.step.case.id == victim:
            raise OperationalError("UPDATE cases ...", {}, LockConflict("deadlock detected"))
        return fired

    monkeypatch.setattr(CaseEngine, "write_timers", deadlocked)
    result = sweep(db.session, clock, handlers=handlers)
    monkeypatch.undo()

    assert (result.fired, result.skipped) == (2, 1)
    assert fired_events(session) == [first, last]
    assert sweep(db.session, clock, handlers=handlers).fired == 1
    assert fired_events(session) == [first, last, victim]
    assert audit.verify(session).ok


def test_a_real_deadlock_with_another_transaction_costs_one_case_not_the_batch(handlers, session, db, clock):
    """PostgreSQL: another transaction holds a case row and then wants that case's timer row, which the sweep
    claimed; the sweep, wanting the case row, is the one PostgreSQL picks to break the deadlock."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks and deadlock detection: PostgreSQL")
    first, victim, last = start(CaseEngine(session, clock, handlers=handlers), session, clock, 3)
    victim_timer = session.scalar(select(Timer.id).where(Timer.case_id == victim))
    session.commit()
    clock.advance(hours=1)
    outcome: dict[str, object] = {}

    def rival():
        with db.engine.connect() as conn, db.engine.connect() as watcher:
            conn.execute(text("SET deadlock_timeout = '30s'"))  # so that the sweep detects it first
            conn.execute(select(Case.id).where(Case.id == victim).with_for_update())
            outcome["holding"] = True
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:  # until the sweep waits for the case row
                waiting = watcher.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))
                watcher.rollback()
                if waiting:
                    break
                time.sleep(0.01)
            conn.execute(select(Timer.id).where(Timer.id == victim_timer).with_for_update())
            outcome["got timer row"] = True
            conn.rollback()

    thread = threading.Thread(target=rival)
    thread.start()
    while "holding" not in outcome and thread.is_alive():
        time.sleep(0.01)
    result = sweep(db.session, clock, handlers=handlers)
    thread.join(30)

    assert outcome.get("got timer row")
    assert (result.fired, result.skipped) == (2, 1)
    assert timers_by_status(session)[victim] == TimerStatus.WAITING
    assert fired_events(session) == [first, last]
    assert sweep(db.session, clock, handlers=handlers).fired == 1
    assert fired_events(session) == [first, last, victim]
    assert audit.verify(session).ok
