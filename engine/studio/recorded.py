"""What a recorded case tells a replay: the data it started with, what people submitted, in order, and the
path it took.

Sources, and why each is the most faithful one:

- **Intake data** comes from the case's workflow state: the data of its start task is exactly what the
  workflow started with, after intake added what it derives (the receipt time, the language, the customer's
  segment). The audit log does not hold it (``case.started`` names the case and the version only).
- **What each task's person submitted** comes from the audit log's ``task.completed`` events: written in the
  step's own transaction, hash-chained, in commit order, with the step's time. The state is the wrong source
  here: a task's data there is the merge of everything before it (parallel branches merge last-writer-wins,
  post-scripts run over it), not what the person sent. The event's ``changes`` hold every field whose value
  the submission changed; a field submitted with the value it already had is the same data on replay.
- **Customer replies** are ``message.received`` events (the reply carries no payload but its name).
- **Results of outside systems that change over time** (the customer's history, read from the bank's
  records when the case began) come from the state too: replaying them from today's records would route a
  case by what happened after it.
- **The recorded path** is the state's completed tasks in the order they completed, with the tasks still
  waiting; it is compared with the replay's path computed the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import AuditEvent, Case, WorkItem
from engine.runtime import projection
from engine.store.serialization import SERIALIZER, SPECS, LoadedVersion

# Handlers whose result depends on the bank's records at the time: replayed from the record, not called again.
RECORDED_OPERATORS = ("customer_history",)
INPUT_KINDS = ("task.completed", "message.received")


@dataclass
class Input:
    """One thing that reached the case from outside after it started, at its recorded time."""

    at: datetime
    kind: str  # "task" or "message"
    element: str  # the task's BPMN id, or the message's name
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Recorded:
    case_id: int
    reference: str | None
    process_key: str
    version_id: int
    status: str
    started_at: datetime
    ended_at: datetime | None  # when it completed (its timers stop there)
    start_data: dict[str, Any]
    inputs: list[Input]
    service_results: dict[str, list[Any]]  # operator -> results in call order
    path: list[str]  # BPMN ids of completed elements, in completion order
    waiting: list[str]  # BPMN ids of the human tasks it waits at
    names: dict[str, str]  # BPMN id -> element name, for reports
    timers: dict[str, list[datetime]]  # BPMN id -> due times of its timers that fired or wait


def read_cases(
    session: Session, cases: list[Case], database_key: str, *, chunk: int = 200
) -> Iterator[Recorded | tuple[Case, str]]:
    """The recorded cases, read in chunks (three queries a chunk); a case that cannot be read is yielded as
    ``(case, reason)`` instead."""
    for start in range(0, len(cases), chunk):
        part = cases[start : start + chunk]
        ids = [c.id for c in part]
        specs = {item_id: spec_id for item_id, spec_id in _work_item_specs(session, ids)}
        inputs: dict[int, list[Input]] = {i: [] for i in ids}
        for event in session.scalars(
            select(AuditEvent)
            .where(AuditEvent.case_id.in_(ids), AuditEvent.kind.in_(INPUT_KINDS))
            .order_by(AuditEvent.seq)
        ):
            entry = _input(event, specs)
            if entry is not None:
                inputs[event.case_id].append(entry)
        states = dict(session.execute(select(Case.id, Case.state).where(Case.id.in_(ids))).all())
        for case in part:
            try:
                loaded = _loaded(session, database_key, case.process_version_id)
                yield _recorded(case, states[case.id], loaded, inputs[case.id])
            except Exception as exc:  # a state this engine cannot read is reported, never fatal for the try
                yield case, f"its recorded state cannot be read: {type(exc).__name__}: {exc}"


def _work_item_specs(session: Session, case_ids: list[int]) -> Iterable[tuple[int, str]]:
    return session.execute(select(WorkItem.id, WorkItem.spec_id).where(WorkItem.case_id.in_(case_ids))).all()


def _input(event: AuditEvent, specs: dict[int, str]) -> Input | None:
    payload = event.payload or {}
    if event.kind == "message.received":
        return Input(event.occurred_at, "message", payload.get("message", ""))
    spec_id = specs.get(payload.get("work_item"))
    if spec_id is None:
        return None
    changes = payload.get("changes") or {}
    return Input(event.occurred_at, "task", spec_id, {k: v.get("to") for k, v in changes.items()})


def _loaded(session: Session, database_key: str, version_id: int) -> LoadedVersion:
    from engine.models import ProcessVersion

    return SPECS.get(
        (database_key, version_id),
        lambda: session.execute(
            select(ProcessVersion.spec_json, ProcessVersion.forms).where(ProcessVersion.id == version_id)
        ).one(),
    )


def _recorded(case: Case, state: str, loaded: LoadedVersion, inputs: list[Input]) -> Recorded:
    workflow = SERIALIZER.load_state(state, loaded.spec, loaded.subprocess_specs)
    start = next(t for t in workflow.get_tasks(skip_subprocesses=True) if t.task_spec.name == "Start")
    path, waiting, names = path_of(workflow)
    return Recorded(
        case_id=case.id,
        reference=case.reference,
        process_key=case.process_key,
        version_id=case.process_version_id,
        status=case.status,
        started_at=case.created_at,
        ended_at=case.closed_at,
        start_data=dict(start.data),
        inputs=inputs,
        service_results=_service_results(workflow),
        path=path,
        waiting=waiting,
        names=names,
        timers=timer_dues(workflow),
    )


def path_of(workflow: BpmnWorkflow) -> tuple[list[str], list[str], dict[str, str]]:
    """(completed BPMN ids in completion order, BPMN ids of the ready human tasks, names by id)."""
    done = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id is not None]
    done.sort(key=lambda t: t.last_state_change)
    ready = [
        t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id is not None
    ]
    names = {t.task_spec.bpmn_id: t.task_spec.bpmn_name or t.task_spec.bpmn_id for t in (*done, *ready)}
    return [t.task_spec.bpmn_id for t in done], [t.task_spec.bpmn_id for t in ready], names


def timer_dues(workflow: BpmnWorkflow) -> dict[str, list[datetime]]:
    """When each timer of the path fell or falls due (SpiffWorkflow keeps the value after the timer fired)."""
    dues: dict[str, list[datetime]] = {}
    for task in workflow.get_tasks(state=TaskState.COMPLETED | TaskState.WAITING):
        if task.task_spec.bpmn_id is not None and projection.timer_definition(task.task_spec) is not None:
            due = projection.timer_due(task)
            if due is not None:
                dues.setdefault(task.task_spec.bpmn_id, []).append(due)
    return {element: sorted(times) for element, times in dues.items()}


def _service_results(workflow: BpmnWorkflow) -> dict[str, list[Any]]:
    results: dict[str, list[Any]] = {}
    tasks = [
        t
        for t in workflow.get_tasks(state=TaskState.COMPLETED)
        if getattr(t.task_spec, "operation_name", None) in RECORDED_OPERATORS
    ]
    for task in sorted(tasks, key=lambda t: t.last_state_change):
        variable = getattr(task.task_spec, "result_variable", None)
        if variable and variable in task.data:
            results.setdefault(task.task_spec.operation_name, []).append(task.data[variable])
    return results
