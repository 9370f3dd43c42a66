"""The SLA sweep: fire due timers in batches, each case in its own savepoint, safely from any number of nodes.

A batch of due timer rows (``BATCH``) is claimed, its cases' workflows run and their steps stored in one write
transaction. On SQLite the workflows run first, in a read transaction, and the write lock (every process's) is
taken only to claim the rows still waiting and store the steps, each only if its case has not changed meanwhile
(else it runs again on the fresh row). On PostgreSQL the rows are claimed first with ``FOR UPDATE SKIP LOCKED``,
so two sweepers never pick the same row, and a sweeper that dies mid-batch releases its rows to the next sweep.
Each claimed case is stored in a SAVEPOINT (``CaseEngine.isolated``): a case that fails rolls back alone and
becomes an incident with its due timers ``held`` (not tried again on every tick, until an operator retries it);
the others' firings, their audit events (one append for the batch) and the claim commit together. Any error of
one case (a statement SQLAlchemy cannot compile, a value the database refuses, a bug) is that case's incident;
only the database going away (``OperationalError``, ``InterfaceError``) rolls the whole batch back and stops the
sweep, and the next tick takes the same rows again.

Why batches: one transaction per timer spent most of a firing on the claim, the audit append and the commit,
and a burst of 10,000 due timers took ~40 s. A batch holds the write lock (SQLite) or its rows' locks
(PostgreSQL) only while it writes its ``BATCH`` steps, which a web request waits out at worst.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, undefer

from engine.cases.engine import CaseEngine
from engine.clock import Clock, as_utc
from engine.errors import Conflict
from engine.models import Case, CaseStatus, Incident, Timer, TimerStatus
from engine.runtime.unit import Unit
from engine.store.db import begin_write

log = logging.getLogger("complaints.sla")
SWEEP_INCIDENT = "(timer sweep)"
BATCH = 50  # due timers claimed, fired and committed together
# PostgreSQL's answers when this step and another transaction wait for each other's rows (two sweepers that
# each claimed one of two due timers of the same case, say): the statement fails, the transaction does not.
_LOCK_CONFLICTS = {"40P01", "40001", "55P03"}  # deadlock detected, serialization failure, lock not available


@dataclass
class SweepResult:
    fired: int = 0
    skipped: int = 0


def sweep(
    sessions: Callable[[], Session],
    clock: Clock,
    *,
    limit: int = 1000,
    batch: int = BATCH,
    **engine_kwargs,
) -> SweepResult:
    """Fire up to ``limit`` due timers, oldest first, ``batch`` of them per transaction, one step per case."""
    result = SweepResult()
    tried: set[int] = set()
    done = 0
    while done < limit:
        with sessions() as session:
            size = min(batch, limit - done)
            rows = _sweep_batch(session, clock, tried, size, result, engine_kwargs)
        if rows == 0:
            break
        done += rows
    return result


def _due(now: datetime, tried: set[int]):
    # SpiffWorkflow fires a timer strictly after its due time; match that, or the row would never clear.
    query = (
        select(Timer.id, Timer.case_id)
        .where(Timer.status == TimerStatus.WAITING, Timer.due_at < now)
        .order_by(Timer.due_at, Timer.id)
    )
    return query.where(Timer.id.not_in(tried)) if tried else query


def _sweep_batch(session: Session, clock: Clock, tried: set[int], size: int, result, engine_kwargs) -> int:
    """One batch of due rows: claim them, run their cases' workflows, store the steps; returns how many rows it
    took (0: nothing was due).

    On SQLite the workflows run first, in a read transaction, and the write lock is taken only to claim the rows
    and store the steps: the lock is every process's, and a slow script must not hold it. On PostgreSQL the rows
    are claimed first (``FOR UPDATE SKIP LOCKED``), so that several sweepers share the due rows instead of all
    running the same workflows; those row locks hold up nobody but a step on the same timers.
    """
    engine = CaseEngine(session, clock, **engine_kwargs)
    now = as_utc(clock())
    if session.get_bind().dialect.name == "postgresql":
        begin_write(session)
        rows = session.execute(_due(now, tried).limit(size).with_for_update(skip_locked=True)).all()
        if not rows:
            session.rollback()  # nothing to claim: no commit
            return 0
        with engine.unit("system:timer") as unit:  # joins the transaction that holds the claimed rows
            batch = _Batch(rows, _read_cases(session, list({r.case_id for r in rows})))
            batch.prepare(engine, clock)
            batch.store(engine, unit, {r.id for r in rows}, now, tried, result)
        return len(rows)
    rows = session.execute(_due(now, tried).limit(size)).all()
    if not rows:
        return 0
    batch = _Batch(rows, _read_cases(session, list({r.case_id for r in rows})))
    batch.prepare(engine, clock)
    with engine.unit("system:timer") as unit:
        claimed = _claim(session, [row.id for row in rows])
        tried.update(row.id for row in rows if row.id not in claimed)  # fired meanwhile
        batch.store(engine, unit, claimed, now, tried, result)
    return len(rows)


class _Batch:
    """The due rows of one batch by case, the cases' rows, and their steps run in memory."""

    def __init__(self, rows, cases: dict[int, Case]):
        self.rows_of: dict[int, list[int]] = {}  # case id -> its due rows, in due order of the first
        for row in rows:
            self.rows_of.setdefault(row.case_id, []).append(row.id)
        self.cases = cases
        self.prepared: dict[int, Any] = {}

    def prepare(self, engine: CaseEngine, clock: Clock) -> None:
        for case_id in self.rows_of:
            try:
                # Each case at its own time, as if stepped one after another.
                self.prepared[case_id] = engine.prepare_timers(self.cases[case_id], as_utc(clock()))
            except Exception as exc:  # an unreadable state, say: recorded by ``store``
                self.prepared[case_id] = exc

    def store(self, engine: CaseEngine, unit: Unit, claimed: set[int], now, tried: set[int], result) -> None:
        """Store each claimed case's step in its own savepoint, inside the batch's write transaction."""
        session = engine.session
        for case_id, timer_ids in self.rows_of.items():
            if not claimed.intersection(timer_ids):
                continue  # fired meanwhile
            try:
                with engine.isolated():
                    ready = self.prepared[case_id]
                    if isinstance(ready, Exception):
                        raise ready
                    fired = ready is not None and engine.write_timers(ready)
                if fired:
                    result.fired += 1
                    continue  # its rows are no longer waiting
                if self.cases[case_id].status == CaseStatus.INCIDENT:
                    _hold(session, case_id, now)  # its step fails before the timer can fire
            except Conflict:
                pass  # another node stepped this case at the same moment; it saw the timer
            except (OperationalError, InterfaceError) as exc:
                if not _lock_conflict(exc):
                    raise  # the database is away: the batch rolls back, and the next tick retries it
                # Only this case's savepoint was rolled back; whoever holds its other rows steps it.
            except Exception as exc:
                # This one case cannot be stepped; it must not block every other timer.
                _record_broken_case(session, unit, case_id, exc)
                _hold(session, case_id, now)
            # Not cleared by this step: remember its rows, so this sweep does not pick them again in a loop.
            tried.update(timer_ids)
            result.skipped += len(timer_ids)


def _claim(session: Session, ids: list[int]) -> set[int]:
    """SQLite, under the write lock: of the rows read as due, those still waiting."""
    query = select(Timer.id).where(Timer.id.in_(ids), Timer.status == TimerStatus.WAITING)
    return set(session.scalars(query))


def _read_cases(session: Session, ids: list[int]) -> dict[int, Case]:
    """The batch's case rows in one query (one per case costs a round trip and a statement each)."""
    query = select(Case).where(Case.id.in_(ids)).options(undefer(Case.state))
    return {case.id: case for case in session.scalars(query)}


def _lock_conflict(exc: SQLAlchemyError) -> bool:
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in _LOCK_CONFLICTS


def _record_broken_case(session: Session, unit: Unit, case_id: int, exc: Exception) -> None:
    """Put a case whose step fails outside the workflow (unreadable state, say) in incident, once, visibly.

    Written in the batch's transaction, after the case's own savepoint was rolled back.
    """
    log.error("case %s could not be stepped by the SLA sweep", case_id, exc_info=exc)
    message = f"the SLA sweep could not step this case: {type(exc).__name__}: {exc}"[:4000]
    already = session.scalar(
        select(Incident.id).where(
            Incident.case_id == case_id,
            Incident.task_name == SWEEP_INCIDENT,
            Incident.resolved_at.is_(None),
        )
    )
    if already is not None:
        return  # recorded on an earlier step; its timers are held until an operator retries the case
    now: datetime = unit.now
    session.add(
        Incident(case_id=case_id, task_id="", task_name=SWEEP_INCIDENT, message=message, created_at=now)
    )
    session.execute(update(Case).where(Case.id == case_id).values(status=CaseStatus.INCIDENT))
    unit.record("incident.opened", case_id, task=SWEEP_INCIDENT, message=message)


def _hold(session: Session, case_id: int, now: datetime) -> None:
    """Hold a case's due timers while it is in incident: stepping it again on every tick would fail again (and
    run its scripts again). ``CaseEngine.retry`` lets them wait again."""
    session.execute(
        update(Timer)
        .where(Timer.case_id == case_id, Timer.status == TimerStatus.WAITING, Timer.due_at < now)
        .values(status=TimerStatus.HELD)
    )


@dataclass
class TickResult:
    timers: SweepResult
    ladder: int
    regulatory: int

    def __str__(self) -> str:
        return (
            f"fired {self.timers.fired} timer(s), skipped {self.timers.skipped}; "
            f"{self.ladder} escalation(s); {self.regulatory} regulatory alert(s)"
        )


def tick(sessions: Callable[[], Session], clock: Clock, settings: dict, *, limit: int = 1000) -> TickResult:
    """One SLA pass: fire due timers, climb the escalation ladder, send regulatory warnings."""
    from engine.cases import regulatory
    from engine.timers import ladder

    timers = sweep(sessions, clock, limit=limit, settings=settings)
    return TickResult(
        timers,
        ladder.sweep(sessions, clock, settings, limit),
        regulatory.sweep(sessions, clock, settings, limit),
    )
