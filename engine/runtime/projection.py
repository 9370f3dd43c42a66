"""Project a workflow's state onto the indexed tables after every step: work items and timers.

The inbox and the SLA sweep query these rows; nothing outside the engine step ever has to deserialize a
case. Each sync compares the workflow after the step with a snapshot taken before it — in memory, without
reading the rows back — and reports what changed, so the caller can write the matching audit events in the
same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from engine.forms import form_name
from engine.models import Case, Timer, TimerStatus, WorkItem, WorkItemState
from engine.models.case import priority_number

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


def timer_definition(task_spec) -> TimerEventDefinition | None:
    """The timer a task waits on: its own event, or the timer inside a multiple event (an event-based gateway
    waiting for messages or a timeout)."""
    definition = getattr(task_spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition):
        return definition
    if isinstance(definition, MultipleEventDefinition):
        return next((d for d in definition.event_definitions if isinstance(d, TimerEventDefinition)), None)
    return None


def timer_due(task) -> datetime | None:
    """When a timer task falls due, from the value SpiffWorkflow stored when it started waiting."""
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(timer_definition(task.task_spec), CycleTimerEventDefinition):
        if not isinstance(value, dict) or value.get("cycles") == 0:
            return None
        value = value["next"]
    try:
        return TimerEventDefinition.get_datetime(value)
    except (TypeError, ValueError):
        return None


def cycle_left(task) -> tuple[int, float] | None:
    """For a cycle timer task: how many occurrences SpiffWorkflow still counts down (negative and falling for an
    unbounded ``R/...``, which counts down from -1) and the seconds between them; None for other timers."""
    if not isinstance(timer_definition(task.task_spec), CycleTimerEventDefinition):
        return None
    value = task._get_internal_data("event_value")
    if not isinstance(value, dict):
        return None
    return value.get("cycles", 0), float(value.get("duration", 0))


def waiting_timers(workflow: BpmnWorkflow) -> list:
    """Timer tasks not yet run: waiting, or due and made ready by the last refresh but not run in this step
    (they run, and their rows fire, in the next step)."""
    waiting = [
        t
        for t in workflow.event_manager.tasks.values()
        if timer_definition(t.task_spec) is not None and t.has_state(TaskState.WAITING)
    ]
    fired = [
        t for t in workflow.get_tasks(state=TaskState.READY) if timer_definition(t.task_spec) is not None
    ]
    return waiting + fired


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
    # A timer that already fired in this very step (a deadline from receipt that had passed) still says
    # when the task was due.
    dues = [
        timer_due(sibling)
        for sibling in parent.children
        if sibling is not task and timer_definition(sibling.task_spec) is not None
    ]
    dues = [d for d in dues if d is not None]
    return min(dues) if dues else None


@dataclass
class Snapshot:
    """What the workflow was waiting on before a step: ready human tasks and waiting timers, by task id.

    Comparing it with the state after the step tells exactly which rows to insert or close, so a step never
    has to read the open rows back from the database.
    """

    ready: set[str] = field(default_factory=set)
    timers: dict[str, datetime | None] = field(default_factory=dict)
    cycles: dict[str, tuple[int, float]] = field(default_factory=dict)  # cycle timers: (count, seconds apart)

    @classmethod
    def of(cls, workflow: BpmnWorkflow) -> Snapshot:
        timers = waiting_timers(workflow)
        return cls(
            {str(t.id) for t in ready_human_tasks(workflow)},
            {str(t.id): timer_due(t) for t in timers},
            {str(t.id): left for t in timers if (left := cycle_left(t)) is not None},
        )


@dataclass
class Changes:
    new_items: list[dict] = field(default_factory=list)  # work_items rows to insert
    cancelled_items: list[str] = field(default_factory=list)  # task names
    cancelled_ids: list[str] = field(default_factory=list)  # their task ids
    fired_timers: list[tuple[str, datetime | None]] = field(default_factory=list)  # (name, due)
    new_timers: list[dict] = field(default_factory=list)  # timers rows to insert


def sync(
    session: Session,
    case: Case,
    workflow: BpmnWorkflow,
    before: Snapshot,
    now: datetime,
    completed_task_id: str | None = None,
) -> Changes:
    changes = Changes()
    _sync_work_items(session, case, workflow, before, now, completed_task_id, changes)
    _sync_timers(session, case, workflow, before, now, changes)
    return changes


# Built once, with bind parameters: a step runs these every time, and building them cost more than running them.
_ITEMS, _TIMERS = WorkItem.__table__, Timer.__table__
_CANCEL_ITEMS = (
    update(_ITEMS)
    .where(
        _ITEMS.c.task_id.in_(bindparam("gone", expanding=True)),
        _ITEMS.c.state.in_(WorkItemState.open_states()),
    )
    .values(state=WorkItemState.CANCELLED, completed_at=bindparam("now"), ladder_next_at=None)
)
_WAITING_TIMERS = (
    _TIMERS.c.task_id.in_(bindparam("ids", expanding=True)),
    _TIMERS.c.status == TimerStatus.WAITING,
)
_FIRE_TIMERS = (
    update(_TIMERS).where(*_WAITING_TIMERS).values(status=TimerStatus.FIRED, fired_at=bindparam("now"))
)
_CANCEL_TIMERS = update(_TIMERS).where(*_WAITING_TIMERS).values(status=TimerStatus.CANCELLED)
_INSERT_ITEMS, _INSERT_TIMERS = insert(_ITEMS), insert(_TIMERS)


def _sync_work_items(
    session, case, workflow, before: Snapshot, now, completed_task_id, changes: Changes
) -> None:
    ready = {str(t.id): t for t in ready_human_tasks(workflow)}
    # Gone without being completed by a person: an interrupting timer, a cancelled branch, a finished case.
    gone = before.ready - ready.keys() - {completed_task_id}
    if gone:
        session.execute(_CANCEL_ITEMS, {"gone": sorted(gone), "now": now})  # autoflushes, as the ORM did
        changes.cancelled_items.extend(_label(workflow, task_id) for task_id in sorted(gone))
        changes.cancelled_ids.extend(sorted(gone))
    for task_id, task in ready.items():  # in the workflow's order, so parallel tasks list as drawn
        if task_id in before.ready:
            continue
        spec = task.task_spec
        changes.new_items.append(
            {
                "case_id": case.id,
                "task_id": task_id,
                "spec_id": spec.bpmn_id,
                "name": task_label(task),
                "lane": spec.lane,
                "tier": case.tier,
                "priority": priority_number(case.priority),
                "state": WorkItemState.READY,
                "assignee_id": None,
                "form": form_name(spec),
                "assign_to": task_property(spec, ASSIGN_PROPERTY),
                "created_at": now,
                "due_at": boundary_timer_due(task),
                "claimed_at": None,
                "escalation_level": 0,
                "ladder_next_at": None,
            }
        )


def _sync_timers(session, case, workflow, before: Snapshot, now, changes: Changes) -> None:
    waiting = {str(t.id): t for t in waiting_timers(workflow)}
    gone = before.timers.keys() - waiting.keys()
    fired = {task_id for task_id in gone if _has_fired(workflow, task_id)}
    # A cycle timer still waiting whose due time changed fired one occurrence: its row fires, and the next
    # occurrence (if any is left) gets a row of its own below.
    cycled = {
        task_id
        for task_id, task in waiting.items()
        if task_id in before.timers and timer_due(task) != before.timers[task_id]
    }
    # A cycle timer whose last occurrence fired has no due time (and its row is fired already) until the
    # workflow lets it complete: nothing to fire or cancel then.
    fired = {task_id for task_id in fired | cycled if before.timers[task_id] is not None}
    if fired:
        session.execute(_FIRE_TIMERS, {"ids": sorted(fired), "now": now})
    cancelled = {task_id for task_id in gone - fired if before.timers[task_id] is not None}
    if cancelled:
        session.execute(_CANCEL_TIMERS, {"ids": sorted(cancelled)})
    for task_id in sorted(fired):
        name, due = _label(workflow, task_id), before.timers[task_id]
        changes.fired_timers.append((name, due))
        # A step can fire several occurrences of a cycle at once (a late sweep): each gets its fired row.
        for later in _later_occurrences(before, waiting.get(task_id), task_id):
            changes.fired_timers.append((name, later))
            changes.new_timers.append(
                _timer_row(case, task_id, workflow.get_task_from_id(UUID(task_id)), later, now)
                | {"status": TimerStatus.FIRED, "fired_at": now}
            )
    for task_id, task in waiting.items():
        due = timer_due(task)
        if due is None or (task_id in before.timers and task_id not in cycled):
            continue
        changes.new_timers.append(_timer_row(case, task_id, task, due, now))


def _timer_row(case: Case, task_id: str, task, due: datetime, now: datetime) -> dict:
    return {
        "case_id": case.id,
        "task_id": task_id,
        "spec_id": task.task_spec.bpmn_id or task.task_spec.name,
        "name": task_label(task),
        "status": TimerStatus.WAITING,
        "due_at": due,
        "created_at": now,
        "fired_at": None,
    }


def _later_occurrences(before: Snapshot, task, task_id: str) -> list[datetime]:
    """The due times of the occurrences of a cycle timer that fired in this step after its first one."""
    if task_id not in before.cycles:
        return []
    count, seconds = before.cycles[task_id]
    after = cycle_left(task) if task is not None else None
    fired = count - (after[0] if after is not None else 0)
    first = before.timers[task_id]
    return [first + timedelta(seconds=seconds * n) for n in range(1, fired)]


def insert_rows(session: Session, changes: Changes) -> None:
    """Insert the new work items and timers, each kind in one statement."""
    if changes.new_items:
        session.connection().execute(_INSERT_ITEMS, changes.new_items)
    if changes.new_timers:
        session.connection().execute(_INSERT_TIMERS, changes.new_timers)


def _label(workflow: BpmnWorkflow, task_id: str) -> str:
    try:
        return task_label(workflow.get_task_from_id(UUID(task_id)))
    except TaskNotFoundException:
        return task_id


def _has_fired(workflow: BpmnWorkflow, task_id: str) -> bool:
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except TaskNotFoundException:
        return False
    if not task.has_state(TaskState.COMPLETED):
        return False
    if isinstance(task.task_spec.event_definition, MultipleEventDefinition):
        # An event-based gateway completes on whichever event came first: fired only if that was the timer.
        seen = task._get_internal_data("seen_events", []) or []
        return any(isinstance(e.event_definition, TimerEventDefinition) for e in seen)
    # SpiffWorkflow clears ``event_fired`` once the event is handled; a timer task only completes by firing.
    return True
