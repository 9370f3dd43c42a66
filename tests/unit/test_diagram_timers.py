"""Timer values as modelers write them: bare ISO-8601 literals run, bare words are refused, and a duration
built by an expression cannot run past the 100-year bound (nor into SpiffWorkflow's month-by-month loop)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.cases.engine import CaseEngine
from engine.clock import as_utc
from engine.deploy import deployment
from engine.errors import DeploymentRejected
from engine.models import Case, CaseStatus, Incident, Timer, TimerStatus
from engine.timers.sla import sweep
from tests.conftest import fresh

HEAD = '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="x">'


def timer_diagram(value: str, tag: str = "timeDuration", before: str = "") -> bytes:
    """start -> (optional script ``before``) -> wait on a timer -> a person looks -> end."""
    script = (
        f'<bpmn:scriptTask id="prepare" name="Prepare"><bpmn:script>{before}</bpmn:script></bpmn:scriptTask>'
        if before
        else ""
    )
    first = "prepare" if before else "wait"
    return (
        f'{HEAD}<bpmn:process id="timed" isExecutable="true"><bpmn:laneSet id="ls">'
        '<bpmn:lane id="desk" name="frontline"><bpmn:flowNodeRef>look</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>'
        f'<bpmn:startEvent id="start"/>{script}'
        f'<bpmn:intermediateCatchEvent id="wait" name="Wait"><bpmn:timerEventDefinition><bpmn:{tag}>{value}'
        f"</bpmn:{tag}></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        '<bpmn:userTask id="look" name="Look"/><bpmn:endEvent id="end"/>'
        f'<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="{first}"/>'
        + ('<bpmn:sequenceFlow id="fp" sourceRef="prepare" targetRef="wait"/>' if before else "")
        + '<bpmn:sequenceFlow id="f1" sourceRef="wait" targetRef="look"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="look" targetRef="end"/></bpmn:process></bpmn:definitions>'
    ).encode()


@pytest.fixture
def deploy_bytes(session, clock):
    def _deploy(content: bytes, name: str = "timed.bpmn"):
        return deployment.deploy(session, [(name, content)], actor="tests", clock=clock)

    return _deploy


@pytest.mark.parametrize(
    ("value", "tag", "wait"),
    [("PT1S", "timeDuration", {"seconds": 1}), ("P7DT0H", "timeDuration", {"days": 7})],
)
def test_a_bare_iso_timer_is_the_literal_and_fires(value, tag, wait, deploy_bytes, session, db, clock):
    deploy_bytes(timer_diagram(value, tag))
    case = CaseEngine(session, clock).start_case("timed", {}, actor="t")
    session.commit()
    timer = session.scalars(select(Timer).where(Timer.case_id == case.id)).one()
    assert as_utc(timer.due_at) == clock() + timedelta(**wait)
    clock.advance(timedelta(**wait) + timedelta(seconds=1))  # timers fire strictly after their due time
    assert sweep(db.session, clock).fired == 1
    fresh(session)
    assert session.get(Case, case.id).status == CaseStatus.OPEN
    assert session.scalars(select(Timer).where(Timer.case_id == case.id)).one().status == TimerStatus.FIRED


def test_a_bare_iso_cycle_is_accepted_at_deploy(deploy_bytes):
    result = deploy_bytes(timer_diagram("R3/PT1H", "timeCycle"))
    assert [v.process_key for v in result.deployed] == ["timed"]


@pytest.mark.parametrize("word", ["INVALID", "NEVER", "PT1X"])
def test_a_bare_word_as_a_timer_is_refused_at_deploy(word, deploy_bytes):
    with pytest.raises(DeploymentRejected) as rejection:
        deploy_bytes(timer_diagram(word))
    (problem,) = rejection.value.problems
    assert problem.element == "wait"
    assert (
        f'intermediate catch event "Wait" has the timer duration {word}, which is neither' in problem.message
    )


def test_a_variable_as_a_timer_still_deploys(deploy_bytes):
    result = deploy_bytes(timer_diagram("wait_for", before='wait_for = "PT2H"'))
    assert [v.process_key for v in result.deployed] == ["timed"]


# --- durations built by expressions: the 100-year bound at run time ------------------------------------------


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ('"P" + "5000Y"', "timeDuration"),
        ('"P" + str(years) + "Y"', "timeDuration"),
        ('"P%dM" % (years * 12)', "timeDuration"),
        ('"R2/P" + str(years) + "Y"', "timeCycle"),
        ('after("2026-01-05T09:00:00+00:00", "P" + str(years) + "Y")', "timeDate"),
    ],
)
def test_a_computed_timer_beyond_100_years_is_an_incident_not_a_stall(
    value, tag, deploy_bytes, session, clock
):
    deploy_bytes(timer_diagram(value, tag))
    case = CaseEngine(session, clock).start_case("timed", {"years": 2_000_000}, actor="t")
    assert case.status == CaseStatus.INCIDENT
    incident = session.scalars(select(Incident).where(Incident.case_id == case.id)).one()
    assert "Wait" in incident.message and "longer than 100 years" in incident.message
    assert session.scalars(select(Timer).where(Timer.case_id == case.id)).all() == []


def test_a_computed_timer_within_bounds_waits_as_asked(deploy_bytes, session, clock):
    deploy_bytes(timer_diagram('"P" + str(days) + "D"'))
    case = CaseEngine(session, clock).start_case("timed", {"days": 3}, actor="t")
    assert case.status == CaseStatus.OPEN
    timer = session.scalars(select(Timer).where(Timer.case_id == case.id)).one()
    assert as_utc(timer.due_at) == clock() + timedelta(days=3)
