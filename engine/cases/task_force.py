"""The urgent path's task force: risk and operations each join it for their lane, within 15 minutes.

A diagram marks the joining task with the property ``taskForce`` = ``join`` (urgent.bpmn: "Join the task
force (operations)" and "(risk)", each with its own 15-minute deadline that escalates). Completing it records
the person as the case's task-force member for that task's lane (``task_force_members``, an audit event
``task_force.joined``). The lane's later tasks marked ``assignTo`` = ``task_force`` then arrive claimed by that
member (engine/runtime/step.py), as a customer-facing task arrives with the case owner.

A late joiner still joins: the missed deadline was escalated by its timer; refusing the person who turns up
would only leave the case without anyone from that lane.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import TaskForceMember, User, WorkItem
from engine.runtime.unit import Unit

JOIN_PROPERTY = "taskForce"
JOIN = "join"


def members(session: Session, case_id: int) -> dict[str, int]:
    """The case's task force: lane -> user id."""
    rows = session.execute(
        select(TaskForceMember.lane, TaskForceMember.user_id).where(TaskForceMember.case_id == case_id)
    )
    return {lane: user_id for lane, user_id in rows}


def join_if_asked(session: Session, unit: Unit, item: WorkItem, user: User, properties: dict) -> None:
    """Called when ``user`` completes ``item``: if the diagram marks it as joining the task force, record them
    as their lane's member (in the completion's transaction, before the lane's next tasks are assigned)."""
    if properties.get(JOIN_PROPERTY) != JOIN or not item.lane:
        return
    member = session.scalar(
        select(TaskForceMember).where(
            TaskForceMember.case_id == item.case_id, TaskForceMember.lane == item.lane
        )
    )
    previous = None
    if member is None:
        member = TaskForceMember(case_id=item.case_id, lane=item.lane, user_id=user.id, joined_at=unit.now)
        session.add(member)
    else:  # the path ran again (a re-triage back to urgent): whoever joins now is the lane's member
        previous = member.user_id
        member.user_id, member.joined_at = user.id, unit.now
    session.flush()
    late = item.due_at is not None and unit.now > item.due_at
    unit.record(
        "task_force.joined",
        item.case_id,
        lane=item.lane,
        user=user.id,
        username=user.username,
        work_item=item.id,
        due_at=item.due_at,
        late=late,
        replaces=previous,
    )
