"""Separation of duties on the approvals a diagram asks for.

A diagram marks its tasks with two properties:

- ``approves`` (``settlement``): an approval level of that thing. Nobody approves two levels of the same
  proposal, nor a proposal they made or revised themselves.
- ``proposes`` (``settlement``): the task that makes (or revises) the proposal the approvals are about. Each
  completed proposal starts a new round of approvals.
- ``requiresRole`` (``department_head``): only a person holding that role may take the task (the second
  approval level is the department head's).

The rules are asked when a task is claimed and when it is completed, so a supervisor's reassignment cannot
get round them either.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Forbidden
from engine.models import User, WorkItem, WorkItemState

# The properties of a task spec, by spec id (from the case's process version).
Properties = Callable[[str], dict]


def check(session: Session, user: User, item: WorkItem, properties: Properties) -> None:
    """Raise ``Forbidden`` when ``user`` may not take or complete ``item`` under the separation of duties."""
    own = properties(item.spec_id)
    role = own.get("requiresRole")
    if role and not user.has_role(role):
        raise Forbidden(f"this step needs the role {role}; you are {user.role}")
    subject = own.get("approves")
    if not subject:
        return
    done = session.execute(
        select(WorkItem.id, WorkItem.spec_id, WorkItem.completed_by_id)
        .where(
            WorkItem.case_id == item.case_id,
            WorkItem.state == WorkItemState.COMPLETED,
            WorkItem.id != item.id,
        )
        .order_by(WorkItem.id)
    ).all()
    proposers, approvers = set(), set()
    for _, spec_id, by in done:
        found = properties(spec_id)
        if found.get("proposes") == subject:
            proposers.add(by)
            approvers = set()  # a new proposal: a new round of approvals
        elif found.get("approves") == subject:
            approvers.add(by)
    if user.id in proposers:
        raise Forbidden(f"you proposed this {subject}: someone else must approve it")
    if user.id in approvers:
        raise Forbidden(f"you approved another level of this {subject}: someone else must approve this one")
