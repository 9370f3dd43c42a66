"""First-owner responsibility (首问负责制): one person owns each case for its whole life.

The first agent to take a frontline task of an unowned case becomes its owner; the owner's customer-facing
tasks then go straight to them. An agent who files the complaint for the customer (on the phone or at the
branch) is the first to receive it, so owns it from intake on. Only a supervisor's recorded reassignment
changes the owner.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from engine.models import Case, User, WorkItem, WorkItemState
from engine.runtime.step import Step
from engine.runtime.unit import Unit

FRONTLINE = "frontline"
# The channels where an agent takes the complaint from the customer in person and files it for them.
ASSISTED_CHANNELS = ("phone", "branch")
FILED_REASON = "filed the complaint for the customer"


def owner_at_intake(filed_by: User | None, channel: str | None) -> User | None:
    """The agent who files a complaint for a customer on an assisted channel, if they work the frontline."""
    if filed_by is None or channel not in ASSISTED_CHANNELS or not filed_by.can_work_lane(FRONTLINE):
        return None
    return filed_by


def take_ownership(
    session: Session, unit: Unit, item: WorkItem, user: User, step: Step | None = None
) -> None:
    """First-owner responsibility: whoever first takes a frontline task of an unowned case owns it."""
    if item.lane != FRONTLINE:
        return
    if step is not None:
        if step.case.owner_id is not None:
            return
        step.set_case("owner_id", user.id)
    else:
        won = session.execute(
            update(Case).where(Case.id == item.case_id, Case.owner_id.is_(None)).values(owner_id=user.id)
        ).rowcount
        if won != 1:
            return
    # The owner's customer-facing tasks that were waiting in the queue come to them.
    session.execute(
        update(WorkItem)
        .where(
            WorkItem.case_id == item.case_id,
            WorkItem.assign_to == "owner",
            WorkItem.id != item.id,
            WorkItem.state == WorkItemState.READY,
        )
        .values(state=WorkItemState.CLAIMED, assignee_id=user.id, claimed_at=unit.now)
        .execution_options(synchronize_session="fetch")
    )
    unit.record(
        "owner.changed",
        item.case_id,
        previous_owner=None,
        owner=user.id,
        owner_username=user.username,
        reason="first to take the complaint",
    )
