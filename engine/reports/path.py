"""One case's path on its diagrams: what the auditor's diagram page draws.

For the case's own process and each process it called: the elements completed (how many times: a loop
counts), the sequence flows taken (how many times), the tasks open now, the timers waiting or fired, the
escalations raised on a task's deadline and the incidents, each element with the audit events that concern it.
One case's workflow state is read (its task tree says which flows its tokens took); the rest comes from the rows
the engine keeps (work items, timers, escalations, incidents) and the case's audit events.

No Flask here: a Session and a case id in, plain objects out. What a page may show of an event's payload is
the caller's business (the web side masks it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from engine.clock import as_utc
from engine.models import (
    AuditEvent,
    Case,
    Escalation,
    Incident,
    ProcessVersion,
    Timer,
    TimerStatus,
    User,
    WorkItem,
)
from engine.reports.diagrams import Diagram, diagrams_of
from engine.runtime import visits
from engine.store.serialization import SERIALIZER, SPECS


@dataclass
class ElementPath:
    id: str
    name: str
    kind: str
    completed: int = 0  # times completed (a loop runs an element more than once)
    open: bool = False  # a person's task waiting now, or a timer or message waited for
    cancelled: int = 0  # reached, then taken away (an interrupting event, the end of the case)
    incident: bool = False  # an unresolved failure stopped the case here
    items: list[WorkItem] = field(default_factory=list)
    timers: list[Timer] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    events: list[AuditEvent] = field(default_factory=list)

    @property
    def fired(self) -> bool:
        return any(t.status == TimerStatus.FIRED for t in self.timers)


@dataclass
class ProcessPath:
    diagram: Diagram
    elements: dict[str, ElementPath] = field(default_factory=dict)
    flows: dict[str, int] = field(default_factory=dict)  # flow id → times taken

    def element(self, element_id: str) -> ElementPath:
        if element_id not in self.elements:
            shown = self.diagram
            self.elements[element_id] = ElementPath(
                element_id, shown.names.get(element_id, element_id), shown.kinds.get(element_id, "")
            )
        return self.elements[element_id]


@dataclass
class CasePath:
    case: Case
    root: str  # the case's own process key
    processes: dict[str, ProcessPath]
    people: dict[int, str]  # user id → username, for the work items' assignees and completers


def case_path(session: Session, case_id: int) -> CasePath | None:
    case = session.scalar(select(Case).where(Case.id == case_id).options(undefer(Case.state)))
    if case is None:
        return None
    version = session.get(ProcessVersion, case.process_version_id)
    processes = {key: ProcessPath(shown) for key, shown in diagrams_of(session, version).items()}
    where: dict[str, tuple[str, str]] = {}  # SpiffWorkflow task id → (process, element)
    if case.state:
        for mark in visits.marks(workflow_of(session, case)):
            path = processes.get(mark.process)
            if path is None:
                continue
            where[str(mark.task.id)] = (mark.process, mark.element)
            element = path.element(mark.element)
            if mark.completed:
                element.completed += 1
            elif mark.task.has_state(TaskState.CANCELLED):
                element.cancelled += 1
            else:
                element.open = True
            flow = path.diagram.flow_id(mark.source, mark.element) if mark.source else None
            if flow is not None:
                path.flows[flow] = path.flows.get(flow, 0) + 1
    _attach_rows(session, case, processes, where)
    people_ids = {i.assignee_id for p in processes.values() for e in p.elements.values() for i in e.items}
    people_ids |= {
        i.completed_by_id for p in processes.values() for e in p.elements.values() for i in e.items
    }
    people_ids.discard(None)
    people = (
        dict(session.execute(select(User.id, User.username).where(User.id.in_(people_ids))).all())
        if people_ids
        else {}
    )
    return CasePath(case, version.process_key, processes, people)


def workflow_of(session: Session, case: Case):
    """The case's SpiffWorkflow workflow, restored from its state on its version's specs (cached per version)."""
    key = (session.get_bind().url.render_as_string(hide_password=True), case.process_version_id)
    loaded = SPECS.get(
        key,
        lambda: session.execute(
            select(ProcessVersion.spec_json, ProcessVersion.forms).where(
                ProcessVersion.id == case.process_version_id
            )
        ).one(),
    )
    return SERIALIZER.load_state(case.state, loaded.spec, loaded.subprocess_specs)


def _attach_rows(session, case, processes: dict[str, ProcessPath], where) -> None:
    """The work items, timers, escalations, incidents and audit events of the case, each on its element."""

    def element_of(task_id: str) -> ElementPath | None:
        found = where.get(task_id)
        return processes[found[0]].element(found[1]) if found else None

    by_item: dict[int, ElementPath] = {}
    by_name: dict[str, list[ElementPath]] = defaultdict(list)
    for item in session.scalars(select(WorkItem).where(WorkItem.case_id == case.id).order_by(WorkItem.id)):
        element = element_of(item.task_id)
        if element is None:
            continue
        element.items.append(item)
        by_item[item.id] = element
        if element not in by_name[item.name]:
            by_name[item.name].append(element)
    fired: dict[tuple[str, datetime], ElementPath] = {}
    for timer in session.scalars(select(Timer).where(Timer.case_id == case.id).order_by(Timer.id)):
        element = element_of(timer.task_id)
        if element is None:
            continue
        element.timers.append(timer)
        if timer.fired_at is not None:
            fired[(timer.name, as_utc(timer.fired_at))] = element
    for escalation in session.scalars(
        select(Escalation).where(Escalation.case_id == case.id).order_by(Escalation.id)
    ):
        element = _deadline_of(processes, by_item.get(escalation.work_item_id))
        if element is not None:
            element.escalations.append(escalation)
    for incident in session.scalars(
        select(Incident).where(Incident.case_id == case.id).order_by(Incident.id)
    ):
        element = element_of(incident.task_id)
        if element is None:
            continue
        element.incidents.append(incident)
        element.incident = element.incident or incident.resolved_at is None
    for event in session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq)
    ):
        payload = event.payload or {}
        targets: list[ElementPath] = []
        if payload.get("work_item") in by_item:
            targets = [by_item[payload["work_item"]]]
        elif event.kind == "timer.fired":
            found = fired.get((payload.get("timer"), as_utc(event.occurred_at)))
            targets = [found] if found else []
        elif event.kind.startswith(("task.", "incident.")) and payload.get("task") in by_name:
            targets = by_name[payload["task"]]
        elif event.kind.startswith("incident."):
            targets = [e for p in processes.values() for e in p.elements.values() if e.incidents]
        for element in targets:
            element.events.append(event)


def _deadline_of(processes: dict[str, ProcessPath], task: ElementPath | None) -> ElementPath | None:
    """The boundary timer on ``task`` that raised its escalation: the one that fired (else the task itself)."""
    if task is None:
        return None
    for path in processes.values():
        if path.elements.get(task.id) is not task:
            continue
        boundaries = [b for b, on in path.diagram.attached.items() if on == task.id]
        for boundary in boundaries:
            element = path.elements.get(boundary)
            if element is not None and element.fired:
                return element
        return path.element(boundaries[0]) if boundaries else task
    return task
