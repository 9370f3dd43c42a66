"""Move waiting cases to a new version of their process, checked one by one, in batches, with a dry run.

A case can move when everything it waits for (a person's task, a timer, a message) exists in the new version
with the same id, with the same events attached, and every step it already took still exists there (its
stored state names them). Moving is SpiffWorkflow's own migration (``SpecDiff`` aligns old and new task specs
by id; the waiting tasks are reset and predicted again on the new spec), except that each waiting task is
reset on a clock set to the moment it began waiting: a timer is recomputed by the new version's expression as
if it had been there from the start (a deadline changed from 4 to 2 hours is 2 hours from when the task was
ready, not from the move). The result is round-tripped through the serializer with the new specs before
anything is written, so a case that would not load afterwards is refused with the reason.

Writing is one transaction per batch with a savepoint per case, like the SLA sweep: a case that fails (or that
someone changed at the same moment) rolls back alone and is reported; each moved case gets a
``case.migrated`` audit event with the versions, and its work items and timers are projected again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, undefer

from engine.calendar.business import calendar_scope
from engine.cases.engine import CaseEngine
from engine.clock import engine_clock
from engine.errors import Conflict, InvalidState, NotFound
from engine.forms import form_name
from engine.models import Case, CaseStatus, ProcessVersion, Timer, TimerStatus, WorkItem, WorkItemState
from engine.runtime import projection
from engine.scripting.script_engine import SandboxScriptEngine
from engine.store.serialization import SERIALIZER, LoadedVersion

BATCH = 50
_CASE = (
    select(Case)
    .where(Case.id == bindparam("case_id"))
    .options(undefer(Case.state))
    .execution_options(populate_existing=True)
)
# SpiffWorkflow compares task specs through a serializer registry; the stock one of the spiff extensions does.
_REGISTRY = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
MAX_CASES = 5000
_WAITING = TaskState.READY | TaskState.WAITING


class Refused(Exception):
    """This case cannot move; the message says why, for the process owner."""


@dataclass
class CaseMove:
    case_id: int
    reference: str | None
    movable: bool
    reason: str = ""
    waiting: list[str] = field(default_factory=list)  # names of what it waits at
    timers: list[dict[str, Any]] = field(default_factory=list)  # {name, before, after} due times that change

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class MoveReport:
    from_version: str
    to_version: str
    dry_run: bool
    cases: list[CaseMove] = field(default_factory=list)

    @property
    def movable(self) -> int:
        return sum(1 for c in self.cases if c.movable)

    def to_dict(self) -> dict[str, Any]:
        return {
            "from_version": self.from_version,
            "to_version": self.to_version,
            "dry_run": self.dry_run,
            "movable": self.movable,
            "refused": len(self.cases) - self.movable,
            "cases": [c.to_dict() for c in self.cases],
        }


def versions(session: Session, from_id: int, to_id: int) -> tuple[ProcessVersion, ProcessVersion]:
    old, new = session.get(ProcessVersion, from_id), session.get(ProcessVersion, to_id)
    if old is None or new is None:
        raise NotFound("no such process version")
    if old.process_key != new.process_key:
        raise InvalidState(f"cases of {old.process_key} can only move to a version of {old.process_key}")
    if old.id == new.id:
        raise InvalidState("choose a version other than the one the cases are on")
    return old, new


def select_cases(
    session: Session, version_id: int, *, case_ids: list[int] | None = None, at: str | None = None
) -> list[int]:
    """Open cases on the version: all, the given ones, or those with an open task at the element ``at``."""
    query = select(Case.id).where(Case.process_version_id == version_id, Case.status == CaseStatus.OPEN)
    if case_ids:
        query = query.where(Case.id.in_(case_ids))
    if at:
        query = query.where(
            Case.id.in_(
                select(WorkItem.case_id).where(
                    WorkItem.spec_id == at, WorkItem.state.in_(WorkItemState.open_states())
                )
            )
        )
    return list(session.scalars(query.order_by(Case.id).limit(MAX_CASES)))


def dry_run(engine: CaseEngine, from_id: int, to_id: int, case_ids: list[int]) -> MoveReport:
    """Check every case as the move would, in memory; nothing is written."""
    session = engine.session
    old, new = versions(session, from_id, to_id)
    report = MoveReport(old.label, new.label, dry_run=True)
    try:
        query = select(Case).where(Case.id.in_(case_ids)).options(undefer(Case.state)).order_by(Case.id)
        for case in session.scalars(query):
            workflow = SERIALIZER.load_state(case.state, *engine.specs(old))
            workflow.script_engine = SandboxScriptEngine(engine.handlers, _no_handlers)
            with calendar_scope(engine.calendar):
                report.cases.append(_check(session, case, workflow, old, engine.loaded(new.id), new))
    finally:
        session.rollback()
    return report


def _no_handlers(task):
    raise InvalidState("moving a case runs no service task")


def move(engine: CaseEngine, from_id: int, to_id: int, case_ids: list[int], *, actor: str) -> MoveReport:
    """Move the cases, ``BATCH`` to a transaction, each in its own savepoint; refused ones stay as they are."""
    session = engine.session
    old, new = versions(session, from_id, to_id)
    session.rollback()
    report = MoveReport(old.label, new.label, dry_run=False)
    for start in range(0, len(case_ids), BATCH):
        with engine.unit(actor) as unit:
            for case_id in case_ids[start : start + BATCH]:
                try:
                    with engine.isolated():
                        report.cases.append(_move_one(engine, unit, case_id, old, new))
                except Refused as refused:
                    report.cases.append(CaseMove(case_id, _reference(session, case_id), False, str(refused)))
                except Conflict:
                    message = "someone worked on the case at the same moment; move it again"
                    report.cases.append(CaseMove(case_id, _reference(session, case_id), False, message))
    return report


def _reference(session: Session, case_id: int) -> str | None:
    return session.scalar(select(Case.reference).where(Case.id == case_id))


def _move_one(engine: CaseEngine, unit, case_id: int, old: ProcessVersion, new: ProcessVersion) -> CaseMove:
    # Read fresh inside the step's savepoint: the revision it carries is what the move's UPDATE checks.
    case = engine.session.scalar(_CASE, {"case_id": case_id})
    if case is None:
        raise Refused("the case does not exist")
    if case.process_version_id != old.id:
        raise Refused(f"the case is on another version now, not {old.label}")
    workflow = SERIALIZER.load_state(case.state, *engine.specs(old))
    step = engine.step_for(unit, case, workflow)
    result = _check(engine.session, case, workflow, old, engine.loaded(new.id), new)
    if not result.movable:
        raise Refused(result.reason)
    step.set_case("process_version_id", new.id)
    step.save()
    _reproject_open_items(engine.session, workflow)
    unit.record(
        "case.migrated",
        case.id,
        process=old.process_key,
        from_version=old.version,
        to_version=new.version,
        from_version_id=old.id,
        to_version_id=new.id,
        timers=result.timers,
    )
    return result


def _check(
    session: Session,
    case: Case,
    workflow: BpmnWorkflow,
    old: ProcessVersion,
    new: LoadedVersion,
    new_version: ProcessVersion,
) -> CaseMove:
    """Migrate ``workflow`` in memory (in place) and say whether the case can move."""
    result = CaseMove(case.id, case.reference, True)
    result.waiting = [projection.task_label(t) for t in projection.ready_human_tasks(workflow)]
    if case.status != CaseStatus.OPEN:
        return _refuse(result, f"the case is {case.status}; only open cases move")
    before = projection.Snapshot.of(workflow)
    try:
        _migrate(workflow, new, new_version.label, _waiting_since(session, case))
        state = SERIALIZER.dump_state(workflow)
        migrated = SERIALIZER.load_state(state, new.spec, new.subprocess_specs)
    except Refused as refused:
        return _refuse(result, str(refused))
    except Exception as exc:  # SpiffWorkflow could not re-predict or reload it: say so, move nothing
        return _refuse(result, f"{new_version.label} cannot take this case: {type(exc).__name__}: {exc}")
    after = {str(t.id): projection.timer_due(t) for t in projection.waiting_timers(migrated)}
    result.timers = [
        {"name": _label(workflow, task_id), "before": _iso(due), "after": _iso(after.get(task_id))}
        for task_id, due in before.timers.items()
        if after.get(task_id) != due
    ]
    return result


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _refuse(result: CaseMove, reason: str) -> CaseMove:
    result.movable, result.reason = False, reason
    return result


def _label(workflow: BpmnWorkflow, task_id: str) -> str:
    return next((projection.task_label(t) for t in workflow.get_tasks() if str(t.id) == task_id), task_id)


def _waiting_since(session: Session, case: Case) -> dict[str, datetime]:
    """When each open task and waiting timer of the case began waiting (their rows' creation times)."""
    since = dict(
        session.execute(
            select(WorkItem.task_id, WorkItem.created_at).where(
                WorkItem.case_id == case.id, WorkItem.state.in_(WorkItemState.open_states())
            )
        ).all()
    )
    since.update(
        session.execute(
            select(Timer.task_id, Timer.created_at).where(
                Timer.case_id == case.id, Timer.status == TimerStatus.WAITING
            )
        ).all()
    )
    return since


def _migrate(workflow: BpmnWorkflow, new: LoadedVersion, label: str, since: dict[str, datetime]) -> None:
    registry = _REGISTRY
    plans = [(workflow, new.spec)]
    for sub in workflow.subprocesses.values():
        spec = new.subprocess_specs.get(sub.spec.name)
        if spec is None:
            raise Refused(f"the case is inside the sub-process {sub.spec.name}, which {label} does not call")
        plans.append((sub, spec))
    diffs = [(wf, spec, SpecDiff(registry, wf.spec, spec)) for wf, spec in plans]
    for wf, spec, diff in diffs:
        _refuse_unmovable(wf, spec, diff, label)
    for wf, spec, diff in diffs:
        _move_tasks(wf, spec, WorkflowDiff(wf, diff), since)
    workflow.subprocess_specs = new.subprocess_specs


def _refuse_unmovable(wf, spec, diff: SpecDiff, label: str) -> None:
    for task in wf.get_tasks(state=_WAITING, skip_subprocesses=True):
        name = task.task_spec.name
        if name not in spec.task_specs:
            what = projection.task_label(task)
            raise Refused(f"it waits at {what} ({name}), and {label} has no element with that id")
        if isinstance(task.parent.task_spec, BoundaryEventSplit):
            old_events = sorted(s.name for s in task.parent.task_spec.outputs)
            new_split = spec.task_specs.get(task.parent.task_spec.name)
            new_events = sorted(s.name for s in new_split.outputs) if new_split is not None else []
            if old_events != new_events:
                raise Refused(
                    f"the events attached to {projection.task_label(task)} change in {label}; "
                    "it can move once that task is done"
                )
    for task in wf.get_tasks(state=TaskState.COMPLETED, skip_subprocesses=True):
        if task.task_spec.name not in spec.task_specs and diff.alignment.get(task.task_spec) is None:
            raise Refused(
                f"it already passed {projection.task_label(task)} ({task.task_spec.name}), "
                f"which {label} no longer has"
            )


def _move_tasks(wf, spec, diff: WorkflowDiff, since: dict[str, datetime]) -> None:
    """SpiffWorkflow's ``migrate_workflow``, with each waiting task reset at the time it began waiting."""
    wf.spec = spec
    for task in wf.tasks.values():
        aligned = diff.alignment.get(task)
        if aligned is not None:
            task.task_spec = aligned
    for task in list(wf.get_tasks(state=_WAITING, skip_subprocesses=True)):
        if task.id not in wf.tasks:
            continue  # removed with a sibling's branch
        began = since.get(str(task.id))
        if began is None:
            task.reset_branch(None)
            continue
        with engine_clock(lambda began=began: began):
            task.reset_branch(None)
    if wf.last_task not in wf.tasks:
        wf.last_task = None


def _reproject_open_items(session: Session, workflow: BpmnWorkflow) -> None:
    """Open work items keep their task (and so their claim); what the new version says of the task changes."""
    for task in projection.ready_human_tasks(workflow):
        spec = task.task_spec
        session.execute(
            update(WorkItem)
            .where(WorkItem.task_id == str(task.id), WorkItem.state.in_(WorkItemState.open_states()))
            .values(
                spec_id=spec.bpmn_id,
                name=projection.task_label(task),
                lane=spec.lane,
                form=form_name(spec),
                assign_to=projection.task_property(spec, projection.ASSIGN_PROPERTY),
                due_at=projection.boundary_timer_due(task),
            )
            .execution_options(synchronize_session=False)
        )
