"""The SLA sweep: fire due timers, each case in its own step, safely from any number of nodes.

On PostgreSQL each due timer row is claimed with ``FOR UPDATE SKIP LOCKED`` inside the step's transaction, so
two sweepers never pick the same row, and a sweeper that dies mid-step releases its row to the next sweep. On
SQLite (one node) every transaction holds the write lock, which gives the same guarantee.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock, as_utc
from engine.db import drain
from engine.errors import Conflict
from engine.models import Timer, TimerStatus
from engine.runtime import CaseEngine


@dataclass
class SweepResult:
    fired: int = 0
    skipped: int = 0


def sweep(
    sessions: Callable[[], Session], clock: Clock, *, limit: int = 1000, **engine_kwargs
) -> SweepResult:
    """Fire up to ``limit`` due timers, oldest first, one engine step per case."""
    result = SweepResult()
    tried: set[int] = set()

    def due(now):
        # SpiffWorkflow fires a timer strictly after its due time; match that, or the row would never clear.
        query = (
            select(Timer.id, Timer.case_id)
            .where(Timer.status == TimerStatus.WAITING, Timer.due_at < now)
            .order_by(Timer.due_at, Timer.id)
        )
        return query.where(Timer.id.not_in(tried)) if tried else query

    def fire(session, row, _now):
        try:
            if CaseEngine(session, clock, **engine_kwargs).fire_timer(row.case_id):
                result.fired += 1
                return  # the row is no longer waiting
        except Conflict:
            pass  # another node stepped this case at the same moment; it saw the timer
        # Not cleared by this step: remember it, so this sweep does not pick it again in a loop.
        tried.add(row.id)
        result.skipped += 1

    drain(sessions, lambda: as_utc(clock()), due, fire, limit=limit)
    return result


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
    from engine import ladder, regulatory

    timers = sweep(sessions, clock, limit=limit, settings=settings)
    return TickResult(
        timers,
        ladder.sweep(sessions, clock, settings, limit),
        regulatory.sweep(sessions, clock, settings, limit),
    )
