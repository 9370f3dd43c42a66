"""Values a script stores that the case cannot keep (not JSON) become a clean incident naming the variable:
at intake the complaint is still acknowledged and stored, and a completion still completes its task."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.cases import intake
from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from engine.models import AuditEvent, Case, CaseStatus, Customer, Incident, WorkItem, WorkItemState
from engine.runtime.storable import problem
from tests.conftest import fresh
from tests.paths import DATA
from tests.unit.test_complaint_paths import PROCESSES, submission

KINDS = {
    "generator": "a generator",
    "range": "a range",
    "bytes": "a bytes",
    "complex": "a complex",
    "tuple keys": "a dict with a tuple key",
    "circular": "a dict that contains itself",
    "deep": "nested more than 100 levels deep",
}


@pytest.fixture
def engine(session, clock):
    files = [
        ("bad_values.bpmn", (DATA / "faults/bad_values.bpmn").read_bytes()),
        ("intake.schema.json", (Path(PROCESSES) / "forms/intake.schema.json").read_bytes()),
        ("choice.schema.json", (DATA / "faults/choice.schema.json").read_bytes()),
    ]
    deployment.deploy(session, files, actor="tests", clock=clock)
    return CaseEngine(session, clock)


def _incident(session, case_id) -> Incident:
    fresh(session)
    return session.scalars(select(Incident).where(Incident.case_id == case_id)).one()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_intake_acknowledges_the_complaint_and_opens_an_incident_naming_the_variable(engine, session, kind):
    result = intake.file_complaint(
        engine, submission(kind, "fee_dispute"), actor="channel:web", process_key="bad_values"
    )

    assert result.case.reference and result.case.tracking_code  # acknowledged: the customer has a reference
    fresh(session)
    case = session.get(Case, result.case.id)
    assert case.status == CaseStatus.INCIDENT
    assert session.scalar(select(func.count()).select_from(Customer)) == 1
    incident = _incident(session, case.id)
    assert incident.task_name == "Keep a value"
    assert "variable 'kept'" in incident.message and KINDS[kind] in incident.message
    workflow = engine.load_workflow(case)  # the stored state reads back, without the value
    assert all("kept" not in t.data for t in workflow.get_tasks())
    kinds = session.scalars(select(AuditEvent.kind).where(AuditEvent.case_id == case.id)).all()
    assert kinds[0] == "case.started" and "incident.opened" in kinds


@pytest.mark.parametrize("choice", ["generator", "circular"])
def test_a_completion_completes_its_task_and_the_case_goes_to_incident(engine, session, make_user, choice):
    user = make_user("agent.values")
    result = intake.file_complaint(
        engine, submission("plain", "fee_dispute"), actor="channel:web", process_key="bad_values"
    )
    assert result.case.status == CaseStatus.OPEN
    item = session.scalars(select(WorkItem).where(WorkItem.case_id == result.case.id)).one()

    engine.claim(item.id, user)
    engine.complete(item.id, user, {"choice": choice})

    fresh(session)
    assert session.get(WorkItem, item.id).state == WorkItemState.COMPLETED
    assert session.get(Case, result.case.id).status == CaseStatus.INCIDENT
    incident = _incident(session, result.case.id)
    assert incident.task_name == "Keep another value" and "variable 'later'" in incident.message


def test_the_check_accepts_what_the_serializer_stores():
    from datetime import UTC, datetime, timedelta

    assert (
        problem({"a": [1, 2.5, "x", None, True, {"b": (1, 2)}], 3: datetime.now(UTC), "d": timedelta(1)})
        is None
    )
    assert problem([[[]]]) is None
    assert problem({1, 2}) == "a set"


def test_a_value_slipped_in_outside_a_script_is_dropped_and_named_when_the_state_is_written(
    deploy, session, clock
):
    """A handler (or a decision table) that leaves such a value is caught where the state is written."""
    from handlers import registry as base_registry

    registry = base_registry.copy()

    @registry.register("flaky")
    def leaky(ctx, amount):
        ctx.data["raw_reply"] = b"\x00\x01"  # a handler writing into the task's data directly
        return {"ok": amount}

    deploy("engine/service_call.bpmn", handlers=registry)
    engine = CaseEngine(session, clock, handlers=registry)

    case = engine.start_case("service_call", {"amount": 2}, actor="t")

    fresh(session)
    assert session.get(Case, case.id).status == CaseStatus.INCIDENT
    incident = _incident(session, case.id)
    assert "variable 'raw_reply' holds a bytes" in incident.message
    assert all(
        "raw_reply" not in t.data for t in engine.load_workflow(session.get(Case, case.id)).get_tasks()
    )
