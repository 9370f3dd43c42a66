"""Customer history for intake: earlier complaints, open cases, risk flags and the repeat verdict.

Repeat rule (configurable window, ``REPEAT_WINDOW_DAYS``, 30 by default): the same customer with the same
category, or a near-identical description, within the window. ``find_open_duplicate`` is the stricter question
asked before a case is opened at all: a repeat of a complaint that is still open is merged into it.
"""

from __future__ import annotations

import difflib
import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock, as_utc
from engine.models import Case, CaseStatus, Customer
from handlers.adapters import NO_HISTORY

NEAR_IDENTICAL = 0.9
_SPACES = re.compile(r"\s+")


def _normal(text: str) -> str:
    return _SPACES.sub(" ", (text or "").strip().lower())


def near_identical(a: str, b: str) -> bool:
    a, b = _normal(a), _normal(b)
    if not a or not b:
        return False
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= NEAR_IDENTICAL


def is_same_issue(case: Case, category: str, description: str) -> bool:
    return case.category == category or near_identical(case.description, description)


class SqlCustomerHistory:
    """The ``history`` adapter the ``customer_history`` handler uses, answered from the cases table."""

    def __init__(self, session: Session, clock: Clock, window_days: int = 30, limit: int = 10):
        self.session = session
        self.clock = clock
        self.window = timedelta(days=window_days)
        self.limit = limit

    def for_customer(
        self, customer_id: str, category: str, description: str, exclude_case_id: int | None
    ) -> dict:
        customer = self.session.scalar(select(Customer).where(Customer.external_id == customer_id))
        if customer is None:
            return dict(NO_HISTORY)
        earlier = self.session.scalars(
            select(Case)
            .where(Case.customer_id == customer.id, Case.id != (exclude_case_id or 0))
            .order_by(Case.created_at.desc())
            .limit(self.limit)
        ).all()
        since = as_utc(self.clock()) - self.window
        repeat = next(
            (c for c in earlier if c.created_at >= since and is_same_issue(c, category, description)), None
        )
        flags = sorted({c.cause_class for c in earlier if c.risk_warning} - {None})
        return {
            "earlier": [
                {
                    "reference": c.reference,
                    "category": c.category,
                    "tier": c.tier,
                    "status": c.status,
                    "created_at": c.created_at.isoformat(),
                }
                for c in earlier
            ],
            "open_cases": sum(1 for c in earlier if c.status in (CaseStatus.OPEN, CaseStatus.INCIDENT)),
            "segment": customer.segment,
            "risk_flags": ["earlier_risk_cases", *flags] if flags else [],
            "is_repeat": repeat is not None,
            "repeat_of": repeat.reference if repeat else None,
        }


def find_open_duplicate(session: Session, customer: Customer, category: str, description: str) -> Case | None:
    """An open case of this customer about the same issue, which a new complaint should join."""
    open_cases = session.scalars(
        select(Case)
        .where(Case.customer_id == customer.id, Case.status.in_((CaseStatus.OPEN, CaseStatus.INCIDENT)))
        .order_by(Case.created_at)
    ).all()
    return next((c for c in open_cases if is_same_issue(c, category, description)), None)
