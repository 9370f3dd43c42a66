"""A case's path on its diagrams (engine/reports/path.py) and the visit rows each step writes for the heatmap
(engine/runtime/visits.py), through the real engine and database on the shipped processes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.cases import demo
from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from engine.models import CaseStatus, ElementVisit, VisitKind
from engine.reports import diagrams
from engine.reports.demo import seed_closed_case
from engine.reports.path import case_path
from handlers import registry as base_registry
from tests.paths import PROCESSES
from tests.unit.test_complaint_paths import ANSWERS, file, work
from tests.unit.test_runtime import Flaky


@pytest.fixture
def engine(session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="tests", clock=clock)
    return CaseEngine(session, clock)


@pytest.fixture
def people(make_user):
    return {"ann": make_user("ann")}


def visits(session, case_id, process, kind):
    rows = session.execute(
        select(ElementVisit.source_id, ElementVisit.element_id, func.count())
        .where(
            ElementVisit.case_id == case_id, ElementVisit.process_key == process, ElementVisit.kind == kind
        )
        .group_by(ElementVisit.source_id, ElementVisit.element_id)
    )
    return {(source, element) if kind == VisitKind.FLOW else element: n for source, element, n in rows}


def test_a_loop_is_counted_once_per_pass_in_the_visits_and_on_the_path(engine, session, people):
    case = file(engine, "The clerk was rude to me at the branch", "service_attitude").case
    ann = people["ann"]
    work(engine, session, case.id, "tell_direction", ann)
    work(engine, session, case.id, "propose_settlement", ann, {"compensation_amount": 0, "apology": "Sorry"})
    result = ANSWERS["send_result"]
    work(engine, session, case.id, "send_result", ann, result)
    work(engine, session, case.id, "call_customer", ann, ANSWERS["call_customer"])
    work(engine, session, case.id, "follow_up_visit", ann, {"resolved": False, "satisfaction": 2})
    work(engine, session, case.id, "rework", ann)
    work(engine, session, case.id, "send_result", ann, result)
    work(engine, session, case.id, "call_customer", ann, ANSWERS["call_customer"])
    work(engine, session, case.id, "follow_up_visit", ann, {"resolved": True, "satisfaction": 4})

    done = visits(session, case.id, "result_and_follow_up", VisitKind.ELEMENT)
    assert (done["send_result"], done["follow_up_visit"], done["rework"], done["end"]) == (2, 2, 1, 1)
    taken = visits(session, case.id, "result_and_follow_up", VisitKind.FLOW)
    assert taken[("resolved_check", "rework")] == 1 and taken[("resolved_check", "end")] == 1
    assert taken[("send_merge", "send_result")] == 2
    assert "run_urgent_path" not in visits(session, case.id, "complaint", VisitKind.ELEMENT)

    path = case_path(session, case.id)
    follow = path.processes["result_and_follow_up"]
    assert follow.elements["send_result"].completed == 2 and follow.elements["rework"].completed == 1
    assert follow.flows["flow_rework_to_send_merge"] == 1
    assert follow.flows["flow_send_merge_to_send_result"] == 2
    assert follow.flows["flow_resolved_check_to_end"] == 1
    assert len(follow.elements["send_result"].items) == 2
    # The same counts from the rows the steps wrote and from the case's task tree.
    for (source, element), n in taken.items():
        flow = follow.diagram.flow_id(source, element)
        assert flow is not None and follow.flows[flow] == n, (source, element)


def test_the_closed_urgent_demo_case_shows_its_fired_golden_hour_timer_and_escalation(session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="demo", clock=clock)
    demo.seed(session, clock)
    case = seed_closed_case(session, clock)
    assert case.status == CaseStatus.COMPLETED and case.tier == "urgent"
    assert seed_closed_case(session, clock) is None  # seeded once

    path = case_path(session, case.id)
    assert path.root == "complaint" and set(path.processes) >= {"complaint", "urgent_path", "general_path"}
    main = path.processes["complaint"]
    assert main.elements["run_urgent_path"].completed == 1
    assert "run_general_path" not in main.elements
    assert (
        main.flows == {flow: 1 for flow in main.flows} and "flow_which_tier_to_run_urgent_path" in main.flows
    )
    urgent = path.processes["urgent_path"].elements
    golden = urgent["apply_safeguards_deadline"]
    assert golden.fired and golden.completed == 1
    assert [e.step for e in golden.escalations] and all(e.level >= 1 for e in golden.escalations)
    assert "timer.fired" in [e.kind for e in golden.events]
    assert not urgent["contact_customer_deadline"].completed  # contacted within 15 minutes: never fired
    safeguard = urgent["apply_safeguards"]
    [item] = safeguard.items
    assert item.completed_at - item.due_at == timedelta(minutes=15)
    assert path.people[item.completed_by_id] == "ops.chen"
    assert [e.kind for e in safeguard.events] == [
        "task.ready",  # claimed at once by ops.chen, who joined the task force for operations
        "task.escalated",
        "task.completed",
    ]
    assert safeguard.items[0].assignee_id == item.completed_by_id
    assert not path.processes["general_path"].elements  # drawn, never reached


def test_the_diagrams_are_those_of_the_version_the_case_ran_on(engine, session, clock):
    case = file(engine, "My card was stolen 盗刷", "card_theft", amount=100).case
    changed = (
        (PROCESSES / "urgent.bpmn")
        .read_text(encoding="utf-8")
        .replace('name="Urgent: green channel"', 'name="Urgent: green channel (v2)"', 1)
    )
    clock.advance(hours=1)
    files = [
        (name, changed.encode() if name == "urgent.bpmn" else content)
        for name, content in deployment.read_paths([PROCESSES])
    ]
    result = deployment.deploy(session, files, actor="tests", clock=clock)
    assert "urgent_path v2" in [v.label for v in result.deployed]

    path = case_path(session, case.id)
    assert path.processes["urgent_path"].diagram.version.version == 1
    assert b"(v2)" not in path.processes["urgent_path"].diagram.xml
    assert path.processes["urgent_path"].elements["contact_customer"].open
    latest = diagrams.version(session, "urgent_path", 2)
    assert b"(v2)" in diagrams.diagram(session, latest).xml


def test_a_case_that_does_not_exist_has_no_path(session):
    assert case_path(session, 424242) is None


def test_an_incident_is_on_the_element_that_failed_until_a_retry_resolves_it(deploy, session, clock):
    handler = Flaky()
    handlers = base_registry.copy()
    handlers.register("flaky")(handler)
    deploy("engine/service_call.bpmn", handlers=handlers)
    engine = CaseEngine(session, clock, handlers=handlers)
    case = engine.start_case("service_call", {"amount": 21}, actor="channel")

    failed = case_path(session, case.id).processes["service_call"].elements
    assert failed["call"].incident and failed["call"].open and not failed["call"].completed
    assert "timed out" in failed["call"].incidents[0].message
    assert [e.kind for e in failed["call"].events] == ["incident.opened"]
    assert failed["prepare"].completed == 1 and not failed["prepare"].incident
    assert "after" not in failed

    handler.failing = False
    engine.retry(case.id, actor="operator")
    session.expire_all()
    retried = case_path(session, case.id).processes["service_call"].elements
    assert not retried["call"].incident and retried["call"].completed == 1
    assert retried["call"].incidents[0].resolved_by == "operator"
    assert retried["after"].open
