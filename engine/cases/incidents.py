"""What an operator needs about cases in incident: the open incidents, and a retry by case reference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import Case, Incident, Timer, TimerStatus


@dataclass
class OpenIncident:
    reference: str
    case_status: str
    task: str
    message: str
    attempts: int
    since: datetime
    held_timers: int


def open_incidents(session: Session, limit: int = 500) -> list[OpenIncident]:
    """The unresolved incidents, oldest first, with their case and how many of its timers are held."""
    held = (
        select(Timer.case_id, func.count().label("n"))
        .where(Timer.status == TimerStatus.HELD)
        .group_by(Timer.case_id)
        .subquery()
    )
    rows = session.execute(
        select(Incident, Case.reference, Case.status, func.coalesce(held.c.n, 0))
        .join(Case, Case.id == Incident.case_id)
        .outerjoin(held, held.c.case_id == Incident.case_id)
        .where(Incident.resolved_at.is_(None))
        .order_by(Incident.created_at, Incident.id)
        .limit(limit)
    ).all()
    return [
        OpenIncident(reference, status, i.task_name, i.message, i.attempts, i.created_at, held_count)
        for i, reference, status, held_count in rows
    ]


def case_id_by_reference(session: Session, reference: str) -> int:
    case_id = session.scalar(select(Case.id).where(Case.reference == reference.strip()))
    if case_id is None:
        raise NotFound(f"no case has the reference {reference!r}")
    return case_id
