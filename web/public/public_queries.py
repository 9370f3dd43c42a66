"""What the customer pages read beyond the tracking view (Flask-free: a session and plain values in)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.customer_updates import knowledge_base_answer
from engine.cases.ownership import FRONTLINE
from engine.models import Case, CaseStatus, WorkItem, WorkItemState


@dataclass(frozen=True)
class Promise:
    """What the bank promises a customer who has just filed."""

    contact_by: datetime | None  # the first customer-facing step's deadline (15 min urgent, 4 h general ...)
    answer_ready: bool  # the knowledge base has already answered: see the tracking page
    decision_by: datetime | None  # the regulatory deadline for the bank's decision


def first_promise(session: Session, case: Case) -> Promise:
    contact_by = session.scalar(
        select(func.min(WorkItem.due_at)).where(
            WorkItem.case_id == case.id,
            WorkItem.lane == FRONTLINE,
            WorkItem.state.in_(WorkItemState.open_states()),
        )
    )
    answered = contact_by is None and knowledge_base_answer(session, case.id) is not None
    return Promise(contact_by=contact_by, answer_ready=answered, decision_by=case.regulatory_due_at)


def demo_cases(session: Session, limit: int = 4) -> list[Case]:
    """Open cases to follow from the start page of a demonstration system (never outside demo mode)."""
    return list(
        session.scalars(
            select(Case)
            .where(Case.status == CaseStatus.OPEN, Case.tracking_code.is_not(None))
            .order_by(Case.id)
            .limit(limit)
        )
    )
