"""A multi-instance activity may start at most MULTI_INSTANCE_MAX instances in one case (default 1000): beyond
that the case goes to incident before any instance exists, and a literal cardinality beyond it is refused at
deploy."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from engine.errors import DeploymentRejected
from engine.models import CaseStatus, Incident, WorkItem
from engine.scripting import multi_instance

HEAD = '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="x">'


def repeated(loop: str, sequential: bool = False) -> bytes:
    """start -> a script task repeated by ``loop`` -> a person looks -> end."""
    flag = ' isSequential="true"' if sequential else ""
    return (
        f'{HEAD}<bpmn:process id="fan_out" isExecutable="true"><bpmn:laneSet id="ls"><bpmn:lane id="l" '
        'name="frontline"><bpmn:flowNodeRef>look</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>'
        '<bpmn:startEvent id="start"/><bpmn:scriptTask id="each" name="Write to each branch">'
        f"<bpmn:multiInstanceLoopCharacteristics{flag}>{loop}</bpmn:multiInstanceLoopCharacteristics>"
        "<bpmn:script>done = True</bpmn:script></bpmn:scriptTask>"
        '<bpmn:userTask id="look" name="Look"/><bpmn:endEvent id="end"/>'
        '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="each"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="each" targetRef="look"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="look" targetRef="end"/></bpmn:process></bpmn:definitions>'
    ).encode()


CARDINALITY = "<bpmn:loopCardinality>count</bpmn:loopCardinality>"
COLLECTION = '<bpmn:loopDataInputRef>branches</bpmn:loopDataInputRef><bpmn:inputDataItem id="branch"/>'


@pytest.fixture
def limit():
    """Set MULTI_INSTANCE_MAX as the app does, and put the default back afterwards."""
    yield lambda value: multi_instance.configure({"MULTI_INSTANCE_MAX": value})
    multi_instance.configure({})


def start(session, clock, content: bytes, data: dict):
    deployment.deploy(session, [("fan_out.bpmn", content)], actor="t", clock=clock)
    return CaseEngine(session, clock).start_case("fan_out", data, actor="t")


def incident_of(session, case) -> str:
    return session.scalars(select(Incident.message).where(Incident.case_id == case.id)).one()


@pytest.mark.parametrize(
    ("loop", "sequential", "data", "asked"),
    [
        (CARDINALITY, False, {"count": 200_000}, "200,000"),
        (CARDINALITY, True, {"count": 5000}, "5,000"),
        (COLLECTION, False, {"branches": list(range(1500))}, "1,500"),
    ],
    ids=["parallel-cardinality", "sequential-cardinality", "parallel-collection"],
)
def test_too_many_instances_become_an_incident_before_any_exists(
    loop, sequential, data, asked, session, clock
):
    case = start(session, clock, repeated(loop, sequential), data)
    assert case.status == CaseStatus.INCIDENT
    message = incident_of(session, case)
    assert "Write to each branch" in message and f"{asked} instances" in message and "1,000" in message
    assert session.scalar(select(func.count()).select_from(WorkItem).where(WorkItem.case_id == case.id)) == 0


@pytest.mark.parametrize(
    ("loop", "data"), [(CARDINALITY, {"count": 5}), (COLLECTION, {"branches": [1, 2, 3, 4, 5]})]
)
def test_instances_up_to_the_limit_run(loop, data, limit, session, clock):
    limit(5)
    case = start(session, clock, repeated(loop), data)
    assert case.status == CaseStatus.OPEN
    assert session.scalars(select(WorkItem.name).where(WorkItem.case_id == case.id)).all() == ["Look"]


def test_the_limit_is_a_setting(limit, session, clock):
    limit(2)
    case = start(session, clock, repeated(CARDINALITY), {"count": 3})
    assert case.status == CaseStatus.INCIDENT
    assert "the limit is 2 (MULTI_INSTANCE_MAX)" in incident_of(session, case)


def test_the_app_reads_the_setting(app):
    from app import create_app

    create_app({"MULTI_INSTANCE_MAX": 7, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "x"})
    try:
        assert multi_instance.limit() == 7
    finally:
        multi_instance.configure({})
    with pytest.raises(ValueError, match="at least 1"):
        multi_instance.configure({"MULTI_INSTANCE_MAX": 0})


def test_a_literal_cardinality_beyond_the_limit_is_refused_at_deploy(session, clock):
    content = repeated("<bpmn:loopCardinality>200000</bpmn:loopCardinality>")
    with pytest.raises(DeploymentRejected) as rejection:
        deployment.deploy(session, [("fan_out.bpmn", content)], actor="t", clock=clock)
    (problem,) = rejection.value.problems
    assert problem.element == "each"
    assert 'script task "Write to each branch" repeats 200,000 times' in problem.message
