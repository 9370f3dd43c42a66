"""Completing a person's task in two halves: SpiffWorkflow's work first, then the writes under the write lock.

Running the workflow (the form's post-script, then every script, decision and service call up to the next
wait) can take a while; on SQLite the writer gate (engine/store/writer_gate.py) would make every other write
of every process wait for it. So ``prepare`` reads the task and its case in a plain read transaction and runs
the workflow in memory, and ``write`` takes the gate only to store the result — after checking, under the
lock, that neither the task nor the case changed meanwhile. If one did (a timer fired on the case, say), the
completion is prepared again on the fresh rows, a few times at most, before the user is told to reload.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.util.task import TaskState

from engine import forms
from engine.calendar.business import calendar_scope
from engine.cases import access, answers, duties, task_force
from engine.cases.ownership import FRONTLINE, take_ownership
from engine.clock import engine_clock
from engine.errors import Conflict, InvalidState
from engine.models import Case, User, WorkItem, WorkItemState
from engine.runtime.step import Step
from engine.runtime.unit import Unit
from engine.store import writes

# ``engine`` below is the ``CaseEngine`` (engine/cases/engine.py), which calls this module: not imported here,
# so that the two modules form no import cycle.
CaseEngine = Any

ATTEMPTS = 3  # preparations against a case that keeps changing before the user is told to reload
CHANGED = "the case was changed by someone else at the same time; reload and try again"


@dataclass
class PreparedCompletion:
    item: WorkItem
    case: Case
    revision: int  # the case's revision the workflow was run on
    step: Step
    diff: dict[str, Any]
    data: dict[str, Any]  # as submitted: what the figures keep of it is written with the completion


def complete(engine: CaseEngine, work_item_id: int, user: User, data: dict[str, Any]) -> Case:
    """Complete a human task with ``data`` (validated against its form) and run the case onwards."""
    if engine.in_unit():  # inside a caller's write transaction (the demo data, say): one pass
        prepared = prepare(engine, work_item_id, user, data, engine.step_time(), lock=True)
        try:
            return write(engine, prepared, user)
        except Changed:  # cannot happen with the rows locked; never a 500 if it does
            raise Conflict(CHANGED) from None
    for _ in range(ATTEMPTS):
        prepared = prepare(engine, work_item_id, user, data, engine.now())
        try:
            return write(engine, prepared, user)
        except Changed:
            continue
    raise Conflict(CHANGED)


def prepare(
    engine: CaseEngine, work_item_id: int, user: User, data: dict[str, Any], now, *, lock: bool = False
) -> PreparedCompletion:
    """Read the task and its case, check them, and run the workflow in memory: nothing is written (``lock``:
    inside a write transaction, hold the case's rows from the start)."""
    item, case = engine.work_item_and_case(work_item_id, lock=lock)
    access.check_completion(user, item)
    duties.check(engine.session, user, item, engine.task_properties(case.process_version_id))
    workflow = engine.load_workflow(case)
    task = engine.find_task(workflow, item.task_id)
    if task is None or not task.has_state(TaskState.READY) or not task.task_spec.manual:
        raise InvalidState(f"task {item.id} is not waiting for a person (it may have been cancelled)")
    forms.validate(engine.task_form(case, item), data)
    step = engine.step_for(Unit(engine.session, now, user.username), case, workflow)
    with engine_clock(engine.clock), calendar_scope(engine.calendar):
        diff = step.complete_human_task(task, data)
        step.advance()
    return PreparedCompletion(item, case, case.revision, step, diff, data)


class Changed(Exception):
    """The task or its case changed between ``prepare`` and ``write``."""


def write(engine: CaseEngine, prepared: PreparedCompletion, user: User) -> Case:
    """Store a prepared completion in one write transaction, if what it was prepared on still holds."""
    step = prepared.step
    with engine.unit(user.username) as unit:
        item, case = engine.work_item_and_case(
            prepared.item.id, lock=True
        )  # nobody writes it until we commit
        if case.revision != prepared.revision and item.state in WorkItemState.open_states():
            raise Changed()  # a timer fired, another task was completed: run the workflow again on the news
        access.check_completion(user, item)  # completed or claimed by someone else meanwhile, say
        duties.check(engine.session, user, item, engine.task_properties(case.process_version_id))
        unit.now = step.unit.now  # every change of the step happens at the time it ran at
        if step.unit is not unit:
            unit.events.extend(step.unit.events)
            step.unit = unit
        take_ownership(engine.session, unit, item, user, step)
        properties = engine.task_properties(case.process_version_id)(item.spec_id)
        task_force.join_if_asked(engine.session, unit, item, user, properties)
        done = {
            "state": WorkItemState.COMPLETED,
            "completed_at": unit.now,
            "completed_by_id": user.id,
            "ladder_next_at": None,
        }
        writes.update_row(engine.session, item, **done)
        answers.record(engine.session, item, prepared.data, user.id, unit.now)
        if item.lane == FRONTLINE and case.first_response_at is None:
            step.set_case("first_response_at", unit.now)  # every frontline task talks to the customer
        unit.record(
            "task.completed",
            case.id,
            work_item=item.id,
            task=item.name,
            lane=item.lane,
            changes=prepared.diff,
        )
        if item.lane != FRONTLINE and case.owner_id is not None and case.owner_id != user.id:
            # Other departments report back to the owner, who answers the customer.
            engine.queue_message(
                case,
                "inbox",
                f"user:{case.owner_id}",
                "lane_result",
                reference=case.reference,
                task=item.name,
                lane=item.lane,
                by=user.username,
                result={k: v["to"] for k, v in prepared.diff.items()},
            )
        step.save(completed_task_id=item.task_id)
    return case
