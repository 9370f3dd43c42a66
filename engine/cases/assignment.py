"""A supervisor gives a task to another person, or acknowledges an escalation.

Reassigning is a supervisor's recorded decision: the new assignee must be an active user who may work the task's
lane, a reason is required, and the change is an audit event (``task.reassigned``: from, to, reason, actor) plus
a message to the new assignee's inbox (and one to the person who had it).

The escalation ladder (engine/timers/ladder.py) keeps its place: the deadline does not move because the work changed
hands, so the task's level and next ladder time stay as they were (the department head is still told if it
stays late). Before the first rung, the ladder's reminder goes to whoever holds the task then — the new
assignee. After it, the reassignment message carries the deadline instead. The task's open escalations count
as handled by the reassignment and are closed with it.

Customer-facing tasks belong to the case owner (first-owner responsibility, engine/cases/ownership.py): they move
only with the owner, through ``change_owner``.
"""

from __future__ import annotations

from sqlalchemy import select, update

from engine.cases import access
from engine.cases.engine import CaseEngine
from engine.cases.ownership import take_ownership
from engine.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationFailed
from engine.models import Case, Escalation, Role, User, WorkItem, WorkItemState

# Who may move other people's work and acknowledge escalations.
SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)
REASON_MAX = 2000


def check_reason(reason: str | None) -> str:
    """The reason, trimmed; refused when empty or longer than ``REASON_MAX``."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("a reason is required", {"reason": "is required"})
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            "the reason is too long", {"reason": f"must be at most {REASON_MAX} characters"}
        )
    return reason


def candidates(session, lane: str | None) -> list[User]:
    """The active users who may work ``lane``, by name: the people a task there can go to."""
    users = session.scalars(
        select(User).where(User.active.is_(True)).order_by(User.display_name, User.username)
    )
    return [u for u in users if u.can_work_lane(lane)]


def _locked(engine: CaseEngine, model, row_id: int, what: str):
    """The row, read fresh and locked for this step (404 when it does not exist)."""
    row = engine.session.scalar(
        select(model).where(model.id == row_id).with_for_update().execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound(f"{what} {row_id} does not exist")
    return row


def reassign(
    engine: CaseEngine, work_item_id: int, new_assignee: User, *, actor: User, reason: str
) -> WorkItem:
    """Give an open task to ``new_assignee`` (claimed in their name), with a recorded reason."""
    reason = check_reason(reason)
    if not actor.has_role(*SUPERVISORS):
        raise Forbidden("only a supervisor may reassign a task")
    with engine.unit(actor.username) as unit:
        item = _locked(engine, WorkItem, work_item_id, "task")
        if not item.is_open:
            raise Conflict(f"task {item.id} is already {item.state}")
        if not new_assignee.active or not new_assignee.can_work_lane(item.lane):
            raise ValidationFailed(
                "the new assignee cannot work this task",
                {"assignee": f"is not an active user of the {item.lane} lane"},
            )
        if item.assignee_id == new_assignee.id:
            raise InvalidState(f"task {item.id} is already assigned to {new_assignee.username}")
        case = engine.session.get(Case, item.case_id)
        if access.is_owner_task(item, case) and case.owner_id != new_assignee.id:
            raise ValidationFailed(
                "this task faces the customer and goes to the case owner",
                {"assignee": "must be the case owner; change the case owner to move this task"},
            )
        previous = item.assignee_id
        moved = engine.session.execute(
            update(WorkItem)
            .where(
                WorkItem.id == item.id,
                WorkItem.state.in_(WorkItemState.open_states()),
                WorkItem.assignee_id.is_(None) if previous is None else WorkItem.assignee_id == previous,
            )
            .values(state=WorkItemState.CLAIMED, assignee_id=new_assignee.id, claimed_at=unit.now)
            .execution_options(synchronize_session="fetch")
        ).rowcount
        if moved != 1:
            raise Conflict(f"task {item.id} was changed by someone else first; reload and try again")
        handled = engine.session.execute(
            update(Escalation)
            .where(Escalation.work_item_id == item.id, Escalation.resolved_at.is_(None))
            .values(resolved_at=unit.now)
        ).rowcount
        previous_user = engine.session.get(User, previous) if previous is not None else None
        unit.record(
            "task.reassigned",
            case.id,
            work_item=item.id,
            task=item.name,
            lane=item.lane,
            reason=reason,
            actor=actor.username,
            escalations_handled=handled,
            **{
                "from": previous_user.username if previous_user else None,
                "to": new_assignee.username,
            },
        )
        message = {
            "reference": case.reference,
            "task": item.name,
            "work_item": item.id,
            "lane": item.lane,
            "due_at": item.due_at.isoformat() if item.due_at else None,
            "reason": reason,
            "by": actor.username,
        }
        engine.queue_message(case, "inbox", f"user:{new_assignee.id}", "task_reassigned", **message)
        if previous_user is not None:
            engine.queue_message(case, "inbox", f"user:{previous_user.id}", "task_reassigned_away", **message)
        # A frontline task of a case nobody owns yet makes its new holder the owner, as taking it would.
        take_ownership(engine.session, unit, item, new_assignee)
    return item


def acknowledge(engine: CaseEngine, escalation_id: int, *, actor: User) -> Escalation:
    """A supervisor has seen an escalation and dealt with it: it leaves the open escalations."""
    if not actor.has_role(*SUPERVISORS):
        raise Forbidden("only a supervisor may acknowledge an escalation")
    with engine.unit(actor.username) as unit:
        row = _locked(engine, Escalation, escalation_id, "escalation")
        if row.resolved_at is not None:
            raise Conflict(f"escalation {escalation_id} was already acknowledged")
        row.resolved_at = unit.now
        # The earlier rungs about the same late task are answered by the same look: they leave the list too.
        earlier = []
        if row.work_item_id is not None:
            earlier = list(
                engine.session.scalars(
                    select(Escalation).where(
                        Escalation.work_item_id == row.work_item_id,
                        Escalation.resolved_at.is_(None),
                        Escalation.level <= row.level,
                        Escalation.id != row.id,
                    )
                )
            )
            for other in earlier:
                other.resolved_at = unit.now
        unit.record(
            "escalation.acknowledged",
            row.case_id,
            escalation=row.id,
            source=row.source,
            step=row.step,
            level=row.level,
            work_item=row.work_item_id,
            with_earlier=[other.id for other in earlier],
        )
    return row


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
        case = engine.read_case(case_id)
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
