"""Where a case has been on its diagrams: the elements it completed and the sequence flows it took.

``marks`` reads them off a workflow's task tree (the case's own process and every process it called). Each
engine step compares the tree after the step with what had been reached before it (``reached``) and
``record`` writes one ``element_visits`` row per element newly completed and per flow newly taken, in the
step's transaction, so the heatmap counts rows and never loads a case's state.

SpiffWorkflow keeps no sequence-flow ids, so a flow is known by its two ends: the element a task's token came
from (its nearest ancestor that is a BPMN element) and the element it reached. A boundary event is reached
from the task it is attached to, not along a flow, so it has no source.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import insert
from sqlalchemy.orm import Session

from engine.models import ElementVisit, VisitKind

# A task in one of these states holds (or held) a token; FUTURE, LIKELY and MAYBE are only predictions.
_REACHED = TaskState.WAITING | TaskState.READY | TaskState.STARTED | TaskState.COMPLETED | TaskState.ERROR


@dataclass(frozen=True)
class Mark:
    """One task instance that a token reached."""

    task: object  # SpiffWorkflow's Task
    process: str  # the process the element belongs to (the case's, or a called one)
    element: str  # the BPMN id
    source: str | None  # the element the token came from along a flow, if any

    @property
    def completed(self) -> bool:
        return self.task.has_state(TaskState.COMPLETED)


def marks(workflow: BpmnWorkflow) -> Iterator[Mark]:
    """Every task instance of the case that a token reached, in the case's process and in called ones."""
    for flow in (workflow, *workflow.subprocesses.values()):
        process = flow.spec.name
        for task in flow.tasks.values():
            if task.task_spec.bpmn_id is None:
                continue  # SpiffWorkflow's own bookkeeping tasks (start, end, boundary splits and joins)
            source = _source(task)
            if task.has_state(_REACHED) or (
                task.has_state(TaskState.CANCELLED)
                and source is not None
                and source.has_state(TaskState.COMPLETED)
            ):
                # (A cancelled task whose source completed was reached: a parallel join's other arrivals, a
                # task an interrupting event took away.)
                from_id = None
                if source is not None and not isinstance(task.task_spec, BoundaryEvent):
                    from_id = source.task_spec.bpmn_id
                yield Mark(task, process, task.task_spec.bpmn_id, from_id)


def _source(task):
    node = task.parent
    while node is not None and node.task_spec.bpmn_id is None:
        node = node.parent
    return node


def reached(workflow: BpmnWorkflow) -> dict[str, bool]:
    """What the tokens had reached before a step: task id → whether it had completed."""
    return {str(m.task.id): m.completed for m in marks(workflow)}


def record(
    session: Session, case_id: int, workflow: BpmnWorkflow, before: dict[str, bool], now: datetime
) -> list[dict]:
    """Write the rows of what this step reached and completed; return them (for the summaries)."""
    rows = []
    for mark in marks(workflow):
        was = before.get(str(mark.task.id))
        common = {"case_id": case_id, "process_key": mark.process, "element_id": mark.element, "at": now}
        if was is None and mark.source is not None:
            rows.append({**common, "kind": VisitKind.FLOW, "source_id": mark.source})
        if mark.completed and not was:
            rows.append({**common, "kind": VisitKind.ELEMENT, "source_id": None})
    if rows:
        session.connection().execute(_INSERT, rows)
    return rows


_INSERT = insert(ElementVisit.__table__)
