"""The SLA sweep: fire due timers, each case in its own step, safely from any number of nodes.

On PostgreSQL each due timer row is claimed with ``FOR UPDATE SKIP LOCKED`` inside the step's transaction, so
two sweepers never pick the same row, and a sweeper that dies mid-step releases its row to the next sweep. On
SQLite (one node) every transaction holds the write lock, which gives the same guarantee.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from engine import audit
from engine.clock import Clock, as_utc
from engine.db import begin_write, drain
from engine.errors import Conflict
from engine.models import Case, CaseStatus, Incident, Timer, TimerStatus
from engine.runtime import CaseEngine

log = logging.getLogger("complaints.sla")
SWEEP_INCIDENT = "(timer sweep)"


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

    def fire(session, row, now):
        try:
            if CaseEngine(session, clock, **engine_kwargs).fire_timer(row.case_id):
                result.fired += 1
                return  # the row is no longer waiting
        except Conflict:
            pass  # another node stepped this case at the same moment; it saw the timer
        except SQLAlchemyError:
            raise  # the database is away: stop, and the next tick retries with nothing lost
        except Exception as exc:  # this one case cannot be stepped; it must not block every other timer
            _record_broken_case(sessions, row.case_id, exc, now)
        # Not cleared by this step: remember it, so this sweep does not pick it again in a loop.
        tried.add(row.id)
        result.skipped += 1

    drain(sessions, lambda: as_utc(clock()), due, fire, limit=limit)
    return result


def _record_broken_case(sessions: Callable[[], Session], case_id: int, exc: Exception, now) -> None:
    """Put a case whose step fails outside the workflow (unreadable state, say) in incident, once, visibly."""
    log.exception("case %s could not be stepped by the SLA sweep", case_id)
    message = f"the SLA sweep could not step this case: {type(exc).__name__}: {exc}"[:4000]
    with sessions() as session:
        begin_write(session)
        already = session.scalar(
            select(Incident.id).where(
                Incident.case_id == case_id,
                Incident.task_name == SWEEP_INCIDENT,
                Incident.resolved_at.is_(None),
            )
        )
        if already is not None:
            return  # recorded on an earlier tick; each tick tries again, so a repaired case heals by itself
        session.add(
            Incident(case_id=case_id, task_id="", task_name=SWEEP_INCIDENT, message=message, created_at=now)
        )
        session.execute(update(Case).where(Case.id == case_id).values(status=CaseStatus.INCIDENT))
        event = audit.PendingEvent(
            now, "system:timer", "incident.opened", case_id, {"task": SWEEP_INCIDENT, "message": message}
        )
        audit.append(session, [event])
        session.commit()


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
