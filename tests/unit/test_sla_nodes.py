"""The SLA sweep on several nodes: sweepers in separate processes, a sweeper killed mid-sweep, a restart.

Each sweeper is a real operating-system process with its own connection pool, as on separate app nodes. It is
this module run as a script (``python -m tests.unit.test_sla_nodes URL NOW``, see ``_sweeper_main`` at the end):
it connects, says ``ready``, waits for ``go`` on stdin so that both start together, sweeps with a clock frozen at
NOW until nothing is due, and prints what it fired as JSON.

Every case runs ``tests/data/engine/review.bpmn``: a frontline review with a non-interrupting one-hour boundary
timer that opens "Chase the overdue review" in the supervisor lane. The 1,000 cases are started through the
engine, one step each; their due times are a millisecond apart, as cases arriving one after another would be.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from engine import audit
from engine.cases.engine import CaseEngine
from engine.clock import FrozenClock
from engine.models import AuditEvent, Case, Timer, TimerStatus, WorkItem
from engine.store.db import Database
from engine.store.serialization import SERIALIZER, SPECS
from engine.timers.sla import sweep

ROOT = Path(__file__).resolve().parents[2]
CASES = 1000
ESCALATION = "escalate"  # the supervisor task the timer opens


@pytest.fixture
def review(deploy):
    deploy("engine/review.bpmn", "engine/review.schema.json")


def start_cases(session, clock: FrozenClock, count: int, step=timedelta(milliseconds=1)) -> list[int]:
    engine = CaseEngine(session, clock)
    ids = []
    for _ in range(count):
        ids.append(engine.start_case("review", {"category": "fees", "amount": 10}, actor="channel").id)
        clock.advance(step)
    return ids


def scalar(db: Database, query):
    """Read one value on a fresh connection (a long-lived read transaction would hide the sweepers' commits)."""
    with db.engine.connect() as conn:
        return conn.scalar(query)


def count(db: Database, *where) -> int:
    return scalar(db, select(func.count()).select_from(Timer).where(*where))


def fired_count(db: Database) -> int:
    return count(db, Timer.status == TimerStatus.FIRED)


class Sweeper:
    """A sweeper in its own process: ``python -m tests.unit.test_sla_nodes URL NOW``."""

    def __init__(self, url: str, now: datetime):
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.unit.test_sla_nodes", url, now.isoformat()],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait_ready(self) -> None:
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            self.proc.kill()
            _, err = self.proc.communicate()
            pytest.fail(f"the sweeper process did not start: {line!r}\n{err}")

    def go(self) -> None:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def result(self, timeout: float = 120) -> dict:
        out, err = self.proc.communicate(timeout=timeout)
        assert self.proc.returncode == 0, f"the sweeper failed (exit {self.proc.returncode}):\n{err}"
        return json.loads(out.strip().splitlines()[-1])

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.communicate()


@pytest.fixture
def sweepers():
    started: list[Sweeper] = []

    def _start(url: str, now: datetime) -> Sweeper:
        sweeper = Sweeper(url, now)
        started.append(sweeper)
        return sweeper

    yield _start
    for sweeper in started:  # a failed test must not leave a process writing into the next test's database
        sweeper.kill()


def assert_every_timer_fired_exactly_once(db: Database, case_ids: list[int]) -> None:
    with db.session() as session:
        statuses = Counter(session.scalars(select(Timer.status)).all())
        assert statuses == {TimerStatus.FIRED: len(case_ids)}
        fired_events = session.scalars(
            select(AuditEvent.case_id).where(AuditEvent.kind == "timer.fired")
        ).all()
        assert sorted(fired_events) == sorted(case_ids)  # one event per case, none twice
        escalations = session.scalars(select(WorkItem.case_id).where(WorkItem.spec_id == ESCALATION)).all()
        assert sorted(escalations) == sorted(case_ids)
        verification = audit.verify(session)
        assert verification.ok, str(verification)


def assert_no_case_half_written(db: Database) -> None:
    """Every case's serialized state agrees with its rows: the escalation exists iff its timer row fired."""
    with db.session() as session:
        timer_status = dict(session.execute(select(Timer.case_id, Timer.status)).all())
        escalated = set(session.scalars(select(WorkItem.case_id).where(WorkItem.spec_id == ESCALATION)))
        fired_events = set(
            session.scalars(select(AuditEvent.case_id).where(AuditEvent.kind == "timer.fired"))
        )
        rows = session.execute(select(Case.id, Case.process_version_id, Case.state)).all()
        loaded = CaseEngine(session, FrozenClock()).loaded(rows[0].process_version_id)
        disagree = []
        for case_id, _version, state in rows:
            workflow = SERIALIZER.load_state(state, loaded.spec, loaded.subprocess_specs)
            in_state = bool(workflow.get_tasks(state=TaskState.READY, spec_name=ESCALATION))
            fired = timer_status[case_id] == TimerStatus.FIRED
            if not in_state == fired == (case_id in escalated) == (case_id in fired_events):
                disagree.append((case_id, in_state, timer_status[case_id], case_id in escalated))
        assert disagree == []


def test_two_sweeper_processes_fire_each_of_1000_due_timers_exactly_once(
    review, session, db, clock, database_url, sweepers
):
    now = clock() + timedelta(hours=2)  # past every due time (start + 1 h + at most 1 s)
    # Started first, so that their imports overlap the set-up; they wait for "go".
    pair = [sweepers(database_url, now), sweepers(database_url, now)]
    case_ids = start_cases(session, clock, CASES)
    assert count(db, Timer.status == TimerStatus.WAITING, Timer.due_at < now) == CASES
    for sweeper in pair:
        sweeper.wait_ready()
    for sweeper in pair:
        sweeper.go()
    results = [sweeper.result() for sweeper in pair]

    split = [r["fired"] for r in results]
    print(f"\n{db.engine.dialect.name}: fired per sweeper {split}, skipped {[r['skipped'] for r in results]}")
    assert sum(split) == CASES
    if db.engine.dialect.name == "postgresql":
        # Row locks with SKIP LOCKED: both work in parallel. (SQLite has one write lock; one may do nearly all.)
        assert min(split) > 0, split
    assert_every_timer_fired_exactly_once(db, case_ids)


def test_a_sweeper_killed_mid_sweep_loses_and_doubles_nothing(
    review, session, db, clock, database_url, sweepers
):
    now = clock() + timedelta(hours=2)
    victim = sweepers(database_url, now)
    survivors = [sweepers(database_url, now), sweepers(database_url, now)]  # the other nodes, idle until "go"
    case_ids = start_cases(session, clock, CASES)
    victim.wait_ready()
    victim.go()
    deadline = time.monotonic() + 60
    while fired_count(db) < 20 and victim.proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    victim.kill()  # SIGKILL: no rollback, no cleanup, most likely inside a step's transaction
    assert victim.proc.returncode == -signal.SIGKILL

    fired_before = fired_count(db)
    assert 0 < fired_before < CASES, "the sweeper was not killed mid-sweep"
    assert_no_case_half_written(db)  # what the killed sweeper committed is whole; the rest is untouched

    # The next sweep (here on the two other nodes at once) fires exactly what the killed one left.
    for sweeper in survivors:
        sweeper.wait_ready()
    for sweeper in survivors:
        sweeper.go()
    results = [sweeper.result() for sweeper in survivors]
    print(f"\n{db.engine.dialect.name}: killed after {fired_before}, then {[r['fired'] for r in results]}")
    assert sum(r["fired"] for r in results) == CASES - fired_before
    assert sum(r["skipped"] for r in results) == 0
    assert_every_timer_fired_exactly_once(db, case_ids)
    assert_no_case_half_written(db)


def test_timers_that_fell_due_while_down_fire_at_restart_in_due_order(
    review, session, db, clock, database_url
):
    # Cases started out of order, so that case ids and due times are in different orders.
    base = clock()
    for minutes in [37, 5, 52, 18, 44, 1, 29, 60, 11, 23, 48, 3, 33, 57, 15]:
        clock.set(base + timedelta(minutes=minutes))
        start_cases(session, clock, 1)
    clock.set(base + timedelta(days=3))
    [not_yet] = start_cases(session, clock, 1)
    due = dict(session.execute(select(Timer.case_id, Timer.due_at).where(Timer.case_id != not_yet)).all())
    in_due_order = sorted(due, key=due.get)
    assert in_due_order != sorted(due)
    session.commit()

    # The node was down for two days. It restarts: a new process, a new connection pool, nothing cached.
    down_until = base + timedelta(days=2)
    SPECS.clear()
    restarted = Database.connect(database_url)
    try:
        result = sweep(restarted.session, FrozenClock(down_until))
    finally:
        restarted.engine.dispose()

    assert (result.fired, result.skipped) == (len(due), 0)
    with db.session() as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.kind == "timer.fired").order_by(AuditEvent.seq)
        ).all()
        assert [e.case_id for e in events] == in_due_order
        fired_dues = [datetime.fromisoformat(e.payload["due_at"]) for e in events]
        assert fired_dues == sorted(due.values())
        assert [e.payload["lag_ms"] for e in events] == [
            int((down_until - d).total_seconds() * 1000) for d in fired_dues
        ]
        timers = s.execute(select(Timer.case_id, Timer.status, Timer.fired_at)).all()
        assert {c: (st, f) for c, st, f in timers} == {
            **{c: (TimerStatus.FIRED, down_until) for c in due},
            not_yet: (TimerStatus.WAITING, None),
        }
        assert audit.verify(s).ok


# ------------------------------------------------------------------------------------ the sweeper process


def _sweeper_main(url: str, now: str) -> None:
    database = Database.connect(url)
    clock = FrozenClock(datetime.fromisoformat(now))
    with database.engine.connect():
        pass  # connected before "go", so that both sweepers start on equal terms
    print("ready", flush=True)
    sys.stdin.readline()
    fired = skipped = 0
    while True:  # what the scheduler's ticks do, back to back
        result = sweep(database.session, clock)
        fired, skipped = fired + result.fired, skipped + result.skipped
        if result.fired + result.skipped == 0:
            break
    database.engine.dispose()
    print(json.dumps({"fired": fired, "skipped": skipped}), flush=True)


if __name__ == "__main__":
    _sweeper_main(*sys.argv[1:])
