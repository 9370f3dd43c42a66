"""First-owner responsibility (首问负责制): one person owns each case for its whole life.

The first agent to take a frontline task of an unowned case becomes its owner; the owner's customer-facing
tasks then go straight to them. Only a supervisor's recorded reassignment changes the owner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import update

from engine.errors import InvalidState, ValidationFailed
from engine.models import Case, User, WorkItem, WorkItemState

if TYPE_CHECKING:
    from engine.runtime import CaseEngine
    from engine.stepping import Step

FRONTLINE = "frontline"


def take_ownership(engine: CaseEngine, unit, item: WorkItem, user: User, step: Step | None = None) -> None:
    """First-owner responsibility: whoever first takes a frontline task of an unowned case owns it."""
    if item.lane != FRONTLINE:
        return
    if step is not None:
        if step.case.owner_id is not None:
            return
        step.set_case("owner_id", user.id)
    else:
        won = engine.session.execute(
            update(Case).where(Case.id == item.case_id, Case.owner_id.is_(None)).values(owner_id=user.id)
        ).rowcount
        if won != 1:
            return
    # The owner's customer-facing tasks that were waiting in the queue come to them.
    engine.session.execute(
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


def change_owner(engine: CaseEngine, case_id: int, new_owner: User, *, actor: str, reason: str) -> Case:
    """Give the case to another owner (a supervisor's recorded decision); their open tasks follow."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("a reason is required to change the owner", {"reason": "is required"})
    if not new_owner.active or not new_owner.can_work_lane("frontline"):
        raise ValidationFailed(
            "the new owner must be an active frontline agent",
            {"owner": "is not an active frontline agent"},
        )
    with engine.unit(actor) as unit:
        case = engine._case(case_id)
        previous = case.owner_id
        if previous == new_owner.id:
            raise InvalidState(f"{new_owner.username} already owns case {case.reference}")
        case.owner_id = new_owner.id
        case.updated_at = unit.now
        if previous is not None:
            moved = engine.session.execute(
                update(WorkItem)
                .where(
                    WorkItem.case_id == case.id,
                    WorkItem.assignee_id == previous,
                    WorkItem.state == WorkItemState.CLAIMED,
                )
                .values(assignee_id=new_owner.id)
            ).rowcount
        else:
            moved = 0
        unit.record(
            "owner.changed",
            case.id,
            previous_owner=previous,
            owner=new_owner.id,
            owner_username=new_owner.username,
            reason=reason,
            tasks_moved=moved,
        )
    return case
