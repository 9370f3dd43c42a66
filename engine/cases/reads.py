"""Reads the pages and the API share: people and cases by id, a case's open tasks, its trace."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from engine.models import AuditEvent, Case, Escalation, User, WorkItem, WorkItemState


def users_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def cases_by_id(session: Session, ids: Iterable[int]) -> dict[int, Case]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(wanted)))}


def open_tasks(session: Session, case_id: int) -> list[WorkItem]:
    return list(
        session.scalars(
            select(WorkItem)
            .where(WorkItem.case_id == case_id, WorkItem.state.in_(WorkItemState.open_states()))
            .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id)
        )
    )


@dataclass
class Trace:
    steps: list[tuple[WorkItem, str | None]]  # each work item with the username of who completed it
    escalations: dict[int, list[Escalation]]  # by work item id
    events: list[AuditEvent]


def trace(session: Session, case_id: int) -> Trace:
    completer = aliased(User)
    steps = session.execute(
        select(WorkItem, completer.username)
        .outerjoin(completer, completer.id == WorkItem.completed_by_id)
        .where(WorkItem.case_id == case_id)
        .order_by(WorkItem.created_at, WorkItem.id)
    ).all()
    escalations: dict[int, list[Escalation]] = defaultdict(list)
    for row in session.scalars(
        select(Escalation)
        .where(Escalation.case_id == case_id, Escalation.work_item_id.is_not(None))
        .order_by(Escalation.created_at, Escalation.id)
    ):
        escalations[row.work_item_id].append(row)
    events = list(
        session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq))
    )
    return Trace([(item, name) for item, name in steps], escalations, events)
