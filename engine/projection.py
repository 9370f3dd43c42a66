"""Project a workflow's state onto the indexed tables after every step: work items and timers.

The inbox and the SLA sweep query these rows; nothing outside the engine step ever has to deserialize a
case. Each sync compares what the workflow holds now with the open rows and reports what changed, so the
caller can write the matching audit events in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.forms import form_name
from engine.models import Case, Timer, TimerStatus, WorkItem, WorkItemState

# A task property naming who gets the task directly instead of the lane's shared queue.
ASSIGN_PROPERTY = "assignTo"


def task_property(task_spec, name: str) -> str | None:
    return ((getattr(task_spec, "extensions", None) or {}).get("properties") or {}).get(name)


def task_label(task) -> str:
    spec = task.task_spec
    return spec.bpmn_name or spec.bpmn_id or spec.name


def ready_human_tasks(workflow: BpmnWorkflow) -> list:
    """READY user/manual tasks, internal specs (no BPMN id) left out."""
    return [
        t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id is not None
    ]


def timer_due(task) -> datetime | None:
    """When a WAITING timer task falls due, from the value SpiffWorkflow stored when it started waiting."""
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition):
        if not isinstance(value, dict) or value.get("cycles") == 0:
            return None
        value = value["next"]
    try:
        return TimerEventDefinition.get_datetime(value)
    except (TypeError, ValueError):
        return None


def waiting_timers(workflow: BpmnWorkflow) -> list:
    return [
        t
        for t in workflow.event_manager.tasks.values()
        if isinstance(t.task_spec.event_definition, TimerEventDefinition) and t.has_state(TaskState.WAITING)
    ]


def attached_task(task):
    """For a task on the path of a boundary timer, the task that timer is attached to (else None)."""
    node = task
    while node.parent is not None:
        parent = node.parent
        if isinstance(parent.task_spec, BoundaryEventSplit):
            if not isinstance(getattr(node.task_spec, "event_definition", None), TimerEventDefinition):
                return None  # downstream of the attached task itself, or of another kind of boundary event
            return next(
                (s for s in parent.children if getattr(s.task_spec, "event_definition", None) is None), None
            )
        node = parent
    return None


def boundary_timer_due(task) -> datetime | None:
    """The earliest due time of the timers attached to a task (its SLA), if it has any."""
    parent = task.parent
    if parent is None or not isinstance(parent.task_spec, BoundaryEventSplit):
        return None
    dues = [
        timer_due(sibling)
        for sibling in parent.children
        if sibling is not task
        and isinstance(getattr(sibling.task_spec, "event_definition", None), TimerEventDefinition)
        and sibling.has_state(TaskState.WAITING)
    ]
    dues = [d for d in dues if d is not None]
    return min(dues) if dues else None


@dataclass
class Changes:
    new_items: list[WorkItem] = field(default_factory=list)
    cancelled_items: list[WorkItem] = field(default_factory=list)
    fired_timers: list[Timer] = field(default_factory=list)
    cancelled_timers: list[Timer] = field(default_factory=list)
    new_timers: list[Timer] = field(default_factory=list)


def sync(
    session: Session, case: Case, workflow: BpmnWorkflow, now: datetime, completed_task_id: str | None = None
) -> Changes:
    changes = Changes()
    _sync_work_items(session, case, workflow, now, completed_task_id, changes)
    _sync_timers(session, case, workflow, now, changes)
    return changes


def _sync_work_items(session, case, workflow, now, completed_task_id, changes: Changes) -> None:
    ready = {str(t.id): t for t in ready_human_tasks(workflow)}
    open_items = session.scalars(
        select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.state.in_(WorkItemState.open_states()))
    ).all()
    for item in open_items:
        if item.task_id in ready:
            ready.pop(item.task_id)
        elif item.task_id != completed_task_id:
            # The workflow moved on without it: an interrupting timer, a cancelled branch, a finished case.
            item.state = WorkItemState.CANCELLED
            item.completed_at = now
            changes.cancelled_items.append(item)
    for task_id, task in ready.items():
        spec = task.task_spec
        item = WorkItem(
            case_id=case.id,
            task_id=task_id,
            spec_id=spec.bpmn_id,
            name=task_label(task),
            lane=spec.lane,
            state=WorkItemState.READY,
            form=form_name(spec),
            assign_to=task_property(spec, ASSIGN_PROPERTY),
            created_at=now,
            due_at=boundary_timer_due(task),
        )
        session.add(item)
        changes.new_items.append(item)


def _sync_timers(session, case, workflow, now, changes: Changes) -> None:
    waiting = {str(t.id): t for t in waiting_timers(workflow)}
    rows = session.scalars(
        select(Timer).where(Timer.case_id == case.id, Timer.status == TimerStatus.WAITING)
    ).all()
    for row in rows:
        task = waiting.pop(row.task_id, None)
        if task is not None:
            due = timer_due(task)
            if due is not None and due != row.due_at:  # a cycle timer moved on to its next occurrence
                row.due_at = due
            continue
        if _has_fired(workflow, row.task_id):
            row.status, row.fired_at = TimerStatus.FIRED, now
            changes.fired_timers.append(row)
        else:
            row.status = TimerStatus.CANCELLED
            changes.cancelled_timers.append(row)
    for task_id, task in waiting.items():
        due = timer_due(task)
        if due is None:
            continue
        timer = Timer(
            case_id=case.id,
            task_id=task_id,
            spec_id=task.task_spec.bpmn_id or task.task_spec.name,
            name=task_label(task),
            status=TimerStatus.WAITING,
            due_at=due,
            created_at=now,
        )
        session.add(timer)
        changes.new_timers.append(timer)


def _has_fired(workflow: BpmnWorkflow, task_id: str) -> bool:
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except TaskNotFoundException:
        return False
    # SpiffWorkflow clears ``event_fired`` once the event is handled; a timer task only completes by firing.
    return task.has_state(TaskState.COMPLETED)
