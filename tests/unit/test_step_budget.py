"""Every engine step has a time budget (STEP_TIME_BUDGET_SECONDS): a script that runs on, or a loop of tasks
that never leaves, stops at the budget and its case goes to incident; the step itself is stored."""

from __future__ import annotations

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.cases import intake
from engine.cases.engine import CaseEngine
from engine.models import Case, CaseStatus, Incident, WorkItem, WorkItemState
from engine.timers.sla import sweep
from tests.conftest import fresh

SETTINGS = {"STEP_TIME_BUDGET_SECONDS": 0.3}


@pytest.fixture
def engine(deploy, session, clock):
    deploy("faults/slow.bpmn")
    return CaseEngine(session, clock, settings=SETTINGS)


def _incident(session, case_id) -> Incident:
    fresh(session)
    return session.scalars(select(Incident).where(Incident.case_id == case_id)).one()


def test_a_script_that_runs_on_is_stopped_and_its_task_is_the_incident(engine, session):
    case = engine.start_case("slow", {"mode": "script"}, actor="t")

    assert case.status == CaseStatus.INCIDENT
    incident = _incident(session, case.id)
    assert incident.task_name == "Count for ever" and "time budget of 0.3 s" in incident.message
    assert incident.task_id  # the task is in ERROR: a retry runs it again


def test_a_loop_of_tasks_is_stopped_between_two_tasks(engine, session):
    case = engine.start_case("slow", {"mode": "loop", "rounds": 0}, actor="t")

    assert case.status == CaseStatus.INCIDENT
    incident = _incident(session, case.id)
    assert "time budget" in incident.message and "next: " in incident.message
    workflow = engine.load_workflow(session.get(Case, case.id))
    assert workflow.get_tasks(state=TaskState.READY)  # stopped mid-loop, between two tasks: work left to do

    engine.retry(case.id, actor="ops")  # still looping: the incident stays, one more attempt
    assert _incident(session, case.id).attempts == 2


def test_a_completion_followed_by_slow_work_completes_the_task_and_the_case_goes_to_incident(
    engine, session, make_user
):
    user = make_user("agent.slow")
    case = engine.start_case("slow", {"mode": "later"}, actor="t")
    item = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id)).one()
    engine.claim(item.id, user)

    engine.complete(item.id, user, {})

    fresh(session)
    assert session.get(WorkItem, item.id).state == WorkItemState.COMPLETED
    assert session.get(Case, case.id).status == CaseStatus.INCIDENT
    assert _incident(session, case.id).task_name == "Count for ever"


def test_slow_work_after_a_timer_is_stopped_in_the_sweep(engine, session, db, clock):
    case = engine.start_case("slow", {"mode": "timer"}, actor="t")
    clock.advance(hours=1, seconds=1)

    result = sweep(db.session, clock, settings=SETTINGS)

    assert result.fired == 1
    fresh(session)
    assert session.get(Case, case.id).status == CaseStatus.INCIDENT
    assert _incident(session, case.id).task_name == "Count for ever"


def test_intake_of_a_complaint_whose_first_steps_run_on_is_stored_in_incident(session, clock):
    from pathlib import Path

    from engine.deploy import deployment
    from tests.paths import DATA
    from tests.unit.test_complaint_paths import PROCESSES, submission

    # The same diagram as an intake process: the mode is the complaint's description.
    slow = (DATA / "faults/slow.bpmn").read_text().replace("mode == ", 'complaint["description"] == ')
    slow = slow.replace("rounds = rounds + 1", "rounds = 1")
    slow = slow.replace(
        '<bpmn:startEvent id="start">',
        '<bpmn:startEvent id="start"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="formJsonSchemaFilename" value="intake.schema.json"/>'
        "</spiffworkflow:properties></bpmn:extensionElements>",
    ).replace(
        'id="slow_defs"', 'id="slow_defs" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
    )
    files = [
        ("slow.bpmn", slow.encode()),
        ("intake.schema.json", (Path(PROCESSES) / "forms/intake.schema.json").read_bytes()),
    ]
    deployment.deploy(session, files, actor="tests", clock=clock)
    engine = CaseEngine(session, clock, settings=SETTINGS)

    result = intake.file_complaint(
        engine, submission("loop", "fee_dispute", channel="web"), actor="channel:web", process_key="slow"
    )

    assert result.case.reference and result.case.tracking_code
    fresh(session)
    assert session.get(Case, result.case.id).status == CaseStatus.INCIDENT
    assert "time budget" in _incident(session, result.case.id).message
