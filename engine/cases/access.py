"""Who may see and work what: each rule written once, asked by the engine, the pages and the API alike.

Seeing (anything else is answered as if it did not exist, so its existence stays hidden):
- supervisors and auditors read every case and task (``READ_ALL``);
- an agent reads the tasks of their lanes (their departments; supervisors also work the supervisor lane) and the
  tasks assigned to them or completed by them, and a case they own or with such a task.

Working:
- claiming takes a ready, unassigned task of one of the person's lanes;
- completing needs the task claimed by the person completing it. A ready task is claimed first, on the pages
  and through the API alike: the claim is what tells a colleague the task is taken before anyone types into
  its form, and what makes the first frontline agent the case's owner (first-owner responsibility);
- a task the diagram gives to the case owner (``assignTo`` = ``owner``) goes to nobody but the owner once the
  case has one: a supervisor reassigning it may choose only the owner, and the owner changes only by an
  explicit reassignment of the case.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from engine.errors import Conflict, Forbidden
from engine.models import Case, Role, User, WorkItem, WorkItemState

# Roles that read every case and task; agents see only their own part of the work.
READ_ALL = (Role.SUPERVISOR, Role.AUDITOR)
SUPERVISOR_LANE = "supervisor"


def reads_everything(user: User) -> bool:
    return user.has_role(*READ_ALL)


def workable_lanes(user: User) -> tuple[str, ...]:
    """The lanes whose queues the person works: their departments, and the supervisor lane for supervisors."""
    lanes = set(user.lanes)
    if user.can_work_lane(SUPERVISOR_LANE):
        lanes.add(SUPERVISOR_LANE)
    return tuple(sorted(lanes))


def can_see_task(user: User, item: WorkItem) -> bool:
    if reads_everything(user):
        return True
    return user.can_work_lane(item.lane) or user.id in (item.assignee_id, item.completed_by_id)


def _involves(user: User):
    """The SQL condition: a task of one of the person's lanes, or assigned to or completed by them."""
    return or_(
        WorkItem.lane.in_(workable_lanes(user)),
        WorkItem.assignee_id == user.id,
        WorkItem.completed_by_id == user.id,
    )


def visible_case(session: Session, user: User, case_id: int) -> Case | None:
    """The case if ``user`` may read it, else None (the caller answers "not found" either way)."""
    case = session.get(Case, case_id)
    if case is None or reads_everything(user) or case.owner_id == user.id:
        return case
    if user.role != Role.AGENT:
        return None
    involved = session.scalar(select(exists().where(WorkItem.case_id == case_id, _involves(user))))
    return case if involved else None


def visible_case_ids(session: Session, user: User, ids: Iterable[int]) -> set[int]:
    """Which of the cases ``ids`` the user may read (``visible_case``'s rule, for many at once)."""
    wanted = set(ids)
    if not wanted or reads_everything(user):
        return wanted
    owned = set(session.scalars(select(Case.id).where(Case.id.in_(wanted), Case.owner_id == user.id)))
    if user.role != Role.AGENT:
        return owned
    involved = session.scalars(
        select(WorkItem.case_id).where(WorkItem.case_id.in_(wanted), _involves(user)).distinct()
    )
    return owned | set(involved)


class Refusal(enum.StrEnum):
    """Why a person cannot complete a task now."""

    COMPLETED = "completed"  # someone completed it already
    CANCELLED = "cancelled"  # the case moved on without it
    NOT_CLAIMED = "not_claimed"  # it is in the queue: claim it first
    CLAIMED_BY_OTHER = "claimed_by_other"
    NOT_YOUR_LANE = "not_your_lane"


@dataclass(frozen=True)
class Verdict:
    refusal: Refusal | None
    other_user_id: int | None = None  # who completed it, or who holds it

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def completion(user: User, item: WorkItem) -> Verdict:
    """Whether ``user`` may complete the task now, and if not, why (and because of whom)."""
    if item.state == WorkItemState.COMPLETED:
        return Verdict(Refusal.COMPLETED, item.completed_by_id)
    if item.state == WorkItemState.CANCELLED:
        return Verdict(Refusal.CANCELLED)
    if item.state == WorkItemState.READY:
        if not user.can_work_lane(item.lane):
            return Verdict(Refusal.NOT_YOUR_LANE)
        return Verdict(Refusal.NOT_CLAIMED)
    if item.assignee_id != user.id:
        return Verdict(Refusal.CLAIMED_BY_OTHER, item.assignee_id)
    return Verdict(None)


def may_work(user: User, item: WorkItem) -> bool:
    """Whether the task is for ``user`` to do: claimed by them, or ready in one of their lanes to claim."""
    if item.state == WorkItemState.CLAIMED:
        return item.assignee_id == user.id
    return item.state == WorkItemState.READY and user.can_work_lane(item.lane)


def check_claim(user: User, item: WorkItem) -> bool:
    """Raise unless ``user`` may claim the task; True when they hold it already (claiming again is harmless)."""
    if item.state == WorkItemState.CLAIMED and item.assignee_id == user.id:
        return True
    if item.state != WorkItemState.READY or item.assignee_id is not None:
        raise Conflict(f"task {item.id} is no longer available to claim ({item.state})")
    if not user.can_work_lane(item.lane):
        raise Forbidden(f"task {item.id} belongs to the {item.lane!r} lane, which is not yours")
    return False


def check_completion(user: User, item: WorkItem) -> None:
    """Raise unless ``user`` may complete the task now (``completion`` says why, for a page's words)."""
    verdict = completion(user, item)
    if verdict.refusal in (Refusal.COMPLETED, Refusal.CANCELLED):
        raise Conflict(f"task {item.id} is already {item.state}")
    if verdict.refusal == Refusal.NOT_CLAIMED:
        raise Conflict(f"task {item.id} is in the {item.lane!r} queue: claim it before completing it")
    if verdict.refusal == Refusal.NOT_YOUR_LANE:
        raise Forbidden(f"task {item.id} belongs to the {item.lane!r} lane, which is not yours")
    if verdict.refusal == Refusal.CLAIMED_BY_OTHER:
        raise Forbidden(f"task {item.id} is claimed by another user")


def is_owner_task(item: WorkItem, case: Case) -> bool:
    """A task the diagram gives to the case owner, on a case that has one: it goes to the owner alone."""
    return item.assign_to == "owner" and case.owner_id is not None


def reassignment_candidates(item: WorkItem, case: Case, people: Iterable[User]) -> list[User]:
    """Of ``people`` (who work the task's lane), those the task may be given to."""
    others = [u for u in people if u.id != item.assignee_id]
    if is_owner_task(item, case):
        return [u for u in others if u.id == case.owner_id]
    return others
