"""What a customer may know about their complaint, reached with the tracking code alone (no account).

Only this: the status, the milestones reached, the owner's first name, the next step and when it is promised.
No other lane's work, no other staff, no other case. Unknown, malformed and expired codes are one and the same
``NotFound``, after the same database look-up, so the answers do not tell them apart. The API and the
customer's page are two presentations of this view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import Case, CaseStatus, User, WorkItem, WorkItemState

_CJK = re.compile(r"^[\u4e00-\u9fff]+$")
_CODE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_NEVER_ISSUED = "-" * 32  # looked up in place of a malformed code: the same query, never a match
# How long after a case closes its tracking code keeps working (setting TRACKING_DAYS_AFTER_CLOSE).
DAYS_AFTER_CLOSE = 90
# The customer's replies to a knowledge-base answer, as the BPMN messages the advisory path waits for.
REPLIES = {"accepted": "answer_accepted", "person": "person_requested"}
MILESTONES = ("received", "in_progress", "result_sent", "closed")


@dataclass(frozen=True)
class Milestone:
    name: str  # one of MILESTONES
    at: datetime | None  # None: not reached yet


# The owner's tasks that keep a promise to the customer, by the name the customer sees for each.
PROMISES = {
    "contact_customer": "first_contact",
    "tell_direction": "direction",
    "initial_plan": "initial_plan",
    "reply_with_plan": "plan",
    # The segment's duties (complaint.bpmn's segment branch), promised beside the tier's path.
    "explain_fraud_protection": "fraud_protection",
    "tailored_plan": "tailored_plan",
}
# Those duties run beside the tier's path: they never stand for the follow-up once the decision is sent.
SEGMENT_DUTIES = ("explain_fraud_protection", "tailored_plan")


@dataclass(frozen=True)
class NextStep:
    name: str  # "decision", "follow_up", or a promised step (PROMISES)
    due_at: datetime | None


@dataclass(frozen=True)
class CustomerView:
    reference: str
    status: str  # the last milestone reached
    milestones: list[Milestone]
    owner_first_name: str | None
    next_step: NextStep | None
    closed: bool
    decision_due_at: datetime | None = None  # the regulatory limit, while no decision has been sent


def case_for_code(
    session: Session, code: str, now: datetime, days_after_close: int = DAYS_AFTER_CLOSE
) -> Case:
    """The case a tracking code opens; ``NotFound`` alike for unknown, malformed and expired codes."""
    well_formed = bool(_CODE.match(code))
    case = session.scalar(select(Case).where(Case.tracking_code == (code if well_formed else _NEVER_ISSUED)))
    if case is None or (
        case.closed_at is not None and now - case.closed_at > timedelta(days=days_after_close)
    ):
        raise NotFound("no complaint has this tracking code")
    return case


def customer_view(session: Session, case: Case) -> CustomerView:
    started = _work_started_at(session, case.id)
    closed_at = case.closed_at or case.updated_at
    closed = case.status in (CaseStatus.COMPLETED, CaseStatus.CANCELLED)
    reached = {
        "received": case.received_at or case.created_at,
        "in_progress": started or case.decided_at or (closed_at if closed else None),
        "result_sent": case.decided_at or (closed_at if closed else None),
        "closed": closed_at if closed else None,
    }
    owner = session.get(User, case.owner_id) if case.owner_id is not None else None
    return CustomerView(
        reference=case.reference,
        status=next((name for name in reversed(MILESTONES) if reached[name] is not None), "received"),
        milestones=[Milestone(name, reached[name]) for name in MILESTONES],
        owner_first_name=first_name(owner) if owner is not None else None,
        next_step=None if closed else _next_step(session, case),
        closed=closed,
        decision_due_at=case.regulatory_due_at if not closed and case.decided_at is None else None,
    )


def first_name(user: User) -> str:
    """The first word of the display name ("Ann Lee" → "Ann"); a Chinese name written without spaces gives
    its given name ("李娜" → "娜"), never the full name.
    """
    name = (user.display_name or "").strip()
    if " " not in name and len(name) > 1 and _CJK.match(name):
        return name[1:]
    return name.split()[0] if name else ""


def _next_step(session: Session, case: Case) -> NextStep:
    if case.decided_at is None:
        promised = session.execute(
            select(WorkItem.spec_id, WorkItem.due_at)
            .where(
                WorkItem.case_id == case.id,
                WorkItem.state.in_(WorkItemState.open_states()),
                WorkItem.spec_id.in_(PROMISES),
                WorkItem.due_at.is_not(None),
            )
            .order_by(WorkItem.due_at)
            .limit(1)
        ).first()
        if promised is not None and (
            case.regulatory_due_at is None or promised.due_at <= case.regulatory_due_at
        ):
            # The step the bank promised next (contact, direction, a plan) and its time, sooner than the decision.
            return NextStep(PROMISES[promised.spec_id], promised.due_at)
        # The bank's promise to every customer: a decision within the regulatory limit.
        return NextStep("decision", case.regulatory_due_at)
    open_work = session.execute(
        select(WorkItem.spec_id, WorkItem.due_at).where(
            WorkItem.case_id == case.id, WorkItem.state.in_(WorkItemState.open_states())
        )
    ).all()
    duties = sorted(
        (w for w in open_work if w.spec_id in SEGMENT_DUTIES), key=lambda w: (w.due_at is None, w.due_at)
    )
    if duties and len(duties) == len(open_work):
        # The follow-up is done; the segment's duty (a tailored plan, say) is what the customer still waits for.
        return NextStep(PROMISES[duties[0].spec_id], duties[0].due_at)
    dues = [w.due_at for w in open_work if w.spec_id not in SEGMENT_DUTIES and w.due_at is not None]
    return NextStep("follow_up", min(dues, default=None))


def _work_started_at(session: Session, case_id: int) -> datetime | None:
    """When work on the case visibly began: the first task someone took or finished."""
    return session.scalar(
        select(func.min(func.coalesce(WorkItem.claimed_at, WorkItem.completed_at))).where(
            WorkItem.case_id == case_id
        )
    )
