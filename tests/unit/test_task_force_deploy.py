"""Deploying the task-force properties: ``assignTo`` = ``task_force`` and ``taskForce`` = ``join`` are accepted
when they can work, and refused, naming the task, when the value is unknown or no task of the lane joins."""

from __future__ import annotations

from engine.deploy import deployment
from engine.errors import Problem
from tests.paths import PROCESSES
from tests.unit.test_validation import files, load, refused

FORM_LINE = '<spiffworkflow:property name="formJsonSchemaFilename" value="review.json"/>'


def bundle(*properties: tuple[str, str]) -> list[tuple[str, bytes]]:
    [(name, diagram), form] = files("valid.bpmn", "review.json")
    line = FORM_LINE + "".join(f'<spiffworkflow:property name="{k}" value="{v}"/>' for k, v in properties)
    return [(name, diagram.replace(FORM_LINE.encode(), line.encode())), form]


def codes(problems: list[Problem]) -> list[tuple[str, str | None]]:
    return [(p.code, p.element) for p in problems]


def test_the_shipped_urgent_path_deploys_with_its_task_force(session, clock):
    deployed = deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="tests", clock=clock)
    assert "urgent_path" in {v.process_key for v in deployed.deployed}


def test_a_task_that_joins_and_gives_the_lanes_work_to_its_member_deploys():
    # One task of the lane joins; the lane's work may then go to the member (here the same task, as a test).
    load(bundle(("taskForce", "join"), ("assignTo", "task_force")))
    load(bundle(("assignTo", "owner")))


def test_unknown_values_are_refused_naming_the_task_and_the_known_ones():
    problems = refused(bundle(("assignTo", "manager"), ("taskForce", "leave")))
    assert codes(problems) == [("assign.unknown", "review"), ("taskforce.unknown", "review")]
    assert 'assignTo "manager"' in problems[0].message and "use owner, task_force" in problems[0].message
    assert 'taskForce "leave"' in problems[1].message and "use join" in problems[1].message


def test_work_for_a_task_force_member_that_nobody_of_the_lane_joins_is_refused():
    problems = refused(bundle(("assignTo", "task_force")))
    assert codes(problems) == [("taskforce.no_join", "review")]
    assert '"Complaints desk" lane' in problems[0].message
