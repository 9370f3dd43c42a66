"""A step on one case with SpiffWorkflow's work done before the write lock (a message delivered, a retry).

``run`` reads the case in a plain read transaction and runs ``work`` on its workflow in memory; then it takes
the write lock, checks that the case's revision has not changed, and stores the step. If it changed, the
whole thing runs again on the fresh row, a few times at most, before ``Conflict``. Inside a caller's open
write transaction (demo data) it runs in one pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from engine.calendar.business import calendar_scope
from engine.clock import engine_clock
from engine.errors import Conflict
from engine.models import Case
from engine.runtime.step import Step
from engine.runtime.unit import Unit

ATTEMPTS = 3
CHANGED = "the case was changed by someone else at the same time; reload and try again"
# ``engine`` is the ``CaseEngine`` (engine/cases/engine.py), which calls this module: not imported here, so
# that the two modules form no import cycle.
CaseEngine = Any
Work = Callable[[Step, BpmnWorkflow, Case], None]  # runs SpiffWorkflow in memory; may refuse (InvalidState)
BeforeSave = Callable[[Unit, Case], None]  # writes of its own, under the lock, before the step is stored


class _Changed(Exception):
    pass


def run(
    engine: CaseEngine, case_id: int, actor: str, work: Work, before_save: BeforeSave | None = None
) -> Case:
    if engine.in_unit():
        with engine.unit(actor) as unit:
            case = engine.read_case(case_id)
            workflow = engine.load_workflow(case)
            step = engine.step_for(unit, case, workflow)
            work(step, workflow, case)
            if before_save is not None:
                before_save(unit, case)
            step.save()
        return case
    for _ in range(ATTEMPTS):
        case = engine.read_case(case_id)
        revision = case.revision
        workflow = engine.load_workflow(case)
        step = engine.step_for(Unit(engine.session, engine.now(), actor), case, workflow)
        with engine_clock(engine.clock), calendar_scope(engine.calendar):
            work(step, workflow, case)
        try:
            with engine.unit(actor) as unit:
                fresh = engine.read_case(case_id)  # the same object as ``case``, its columns read again
                if fresh.revision != revision:
                    raise _Changed()
                unit.now = step.unit.now  # every change of the step happens at the time it ran at
                unit.events.extend(step.unit.events)
                step.unit = unit
                if before_save is not None:
                    before_save(unit, fresh)
                step.save()
            return fresh
        except _Changed:
            continue
    raise Conflict(CHANGED)
