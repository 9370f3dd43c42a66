"""Cases at run time, through the real database and SpiffWorkflow: steps, work items, timers, incidents."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import audit
from engine.cases import assignment
from engine.cases.engine import CaseEngine
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.models import AuditEvent, Case, CaseStatus, Incident, Timer, TimerStatus, WorkItem, WorkItemState
from engine.store.serialization import SERIALIZER
from engine.timers.sla import sweep
from handlers import HandlerError
from handlers import registry as base_registry
from tests.conftest import fresh


def load_workflow(session, case_id):
    case = session.get(Case, case_id)
    spec, subs = SERIALIZER.load_spec(case.process_version.spec_json)
    return SERIALIZER.load_state(session.scalar(select(Case.state).where(Case.id == case_id)), spec, subs)


def items(session, case_id):
    return session.scalars(select(WorkItem).where(WorkItem.case_id == case_id).order_by(WorkItem.id)).all()


def ready(session, case_id, spec_id):
    return session.scalars(
        select(WorkItem).where(
            WorkItem.case_id == case_id,
            WorkItem.spec_id == spec_id,
            WorkItem.state.in_(WorkItemState.open_states()),
        )
    ).one()


@pytest.fixture
def review(deploy):
    deploy("engine/review.bpmn", "engine/review.schema.json")


@pytest.fixture
def engine(session, clock):
    return CaseEngine(session, clock)


def test_start_projects_the_first_human_task_with_lane_and_sla_due_time(review, engine, session, clock):
    case = engine.start_case("review", {"category": "fees", "amount": 900}, actor="channel")

    assert case.status == CaseStatus.OPEN
    assert case.reference == "C20260302" + f"{case.id:07d}"
    [item] = items(session, case.id)
    assert (item.name, item.lane, item.state, item.form) == (
        "Review the complaint",
        "frontline",
        WorkItemState.READY,
        "review.schema.json",
    )
    assert item.created_at == clock()
    assert item.due_at == clock() + timedelta(hours=1)  # the diagram's "PT1H" boundary timer, on our clock
    [timer] = session.scalars(select(Timer)).all()
    assert (timer.status, timer.due_at) == (TimerStatus.WAITING, clock() + timedelta(hours=1))


def test_completion_is_validated_against_the_form_with_a_message_per_field(
    review, engine, session, make_user
):
    ann = make_user("ann")
    case = engine.start_case("review", {"category": "fees", "amount": 900}, actor="channel")
    item = ready(session, case.id, "review_task")
    engine.claim(item.id, ann)

    with pytest.raises(ValidationFailed) as refused:
        engine.complete(item.id, ann, {"risky": "yes", "extra": 1})

    assert refused.value.errors == {
        "note": "is required",
        "risky": "'yes' is not of type 'boolean'",
        "extra": "is not a field of this form",
    }
    assert session.get(WorkItem, item.id).state == WorkItemState.CLAIMED  # as claimed, nothing more


def test_gateway_condition_routes_on_form_data_and_audit_records_the_diff(review, engine, session, make_user):
    ann = make_user("ann")
    case = engine.start_case("review", {"category": "fees", "amount": 900}, actor="channel")
    item = ready(session, case.id, "review_task")

    engine.claim(item.id, ann)
    engine.complete(item.id, ann, {"risky": True, "note": "card used abroad"})

    check = ready(session, case.id, "risk_check")
    assert check.lane == "risk"
    done = session.get(WorkItem, item.id)
    assert (done.state, done.completed_by_id) == (WorkItemState.COMPLETED, ann.id)
    completed = session.scalars(select(AuditEvent).where(AuditEvent.kind == "task.completed")).one()
    assert completed.actor == "ann"
    assert completed.payload["changes"] == {
        "risky": {"from": None, "to": True},
        "note": {"from": None, "to": "card used abroad"},
    }


def test_a_case_runs_to_completion_and_is_closed(deploy, engine, session, make_user, clock):
    deploy("engine/five_tasks.bpmn")
    ann = make_user("ann")
    case = engine.start_case("five_tasks", {}, actor="channel")
    for step in ("t1", "t2", "t3", "t4", "t5"):
        clock.advance(minutes=5)
        item = ready(session, case.id, step)
        engine.claim(item.id, ann)
        engine.complete(item.id, ann, {})

    case = session.get(Case, case.id)
    assert case.status == CaseStatus.COMPLETED
    assert case.closed_at == clock()
    assert [i.spec_id for i in items(session, case.id)] == ["t1", "t2", "t3", "t4", "t5"]
    assert session.scalar(select(func.count()).where(AuditEvent.kind == "case.completed")) == 1


def test_boundary_timer_fires_after_its_due_time_and_not_before(review, engine, session, db, clock):
    case = engine.start_case("review", {"category": "fees", "amount": 10}, actor="channel")
    session.commit()

    clock.advance(minutes=59, seconds=59)
    assert sweep(db.session, clock).fired == 0
    clock.advance(seconds=2)
    assert sweep(db.session, clock).fired == 1

    session.expire_all()
    escalation = ready(session, case.id, "escalate")
    assert escalation.lane == "supervisor"
    assert ready(session, case.id, "review_task").state == WorkItemState.READY  # non-interrupting
    timer = session.scalars(select(Timer)).one()
    assert (timer.status, timer.fired_at) == (TimerStatus.FIRED, clock())
    fired = session.scalars(select(AuditEvent).where(AuditEvent.kind == "timer.fired")).one()
    assert fired.payload["lag_ms"] == 1000


def test_a_fired_timer_never_fires_again_even_when_the_clock_goes_back(review, engine, session, db, clock):
    case = engine.start_case("review", {"category": "fees", "amount": 10}, actor="channel")
    session.commit()
    clock.advance(hours=2)
    assert sweep(db.session, clock).fired == 1
    clock.advance(hours=-1)
    assert sweep(db.session, clock).fired == 0
    clock.advance(hours=5)
    assert sweep(db.session, clock).fired == 0
    session.expire_all()
    assert len([i for i in items(session, case.id) if i.spec_id == "escalate"]) == 1


def test_claim_is_exclusive_and_limited_to_the_users_lanes(review, engine, session, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    rita = make_user("rita", departments=("risk",))
    case = engine.start_case("review", {"category": "fees", "amount": 10}, actor="channel")
    item = ready(session, case.id, "review_task")

    with pytest.raises(Forbidden):
        engine.claim(item.id, rita)
    engine.claim(item.id, ann)
    with pytest.raises(Conflict):
        engine.claim(item.id, bob)
    with pytest.raises(Forbidden):
        engine.complete(item.id, bob, {"risky": False, "note": "n"})
    with pytest.raises(NotFound):
        engine.claim(999_999, ann)


def test_completing_twice_is_a_conflict_and_changes_nothing(review, engine, session, make_user):
    ann = make_user("ann")
    case = engine.start_case("review", {"category": "fees", "amount": 10}, actor="channel")
    item = ready(session, case.id, "review_task")
    engine.claim(item.id, ann)
    engine.complete(item.id, ann, {"risky": False, "note": "fine"})
    revision = session.get(Case, case.id).revision

    with pytest.raises(Conflict):
        engine.complete(item.id, ann, {"risky": True, "note": "changed my mind"})

    assert session.get(Case, case.id).revision == revision
    assert session.scalar(select(func.count()).where(AuditEvent.kind == "task.completed")) == 1


def test_two_simultaneous_completions_of_one_task_exactly_one_wins(review, db, clock, session, make_user):
    ann = make_user("ann")
    case = CaseEngine(session, clock).start_case("review", {"category": "fees", "amount": 10}, actor="c")
    item_id = ready(session, case.id, "review_task").id
    CaseEngine(session, clock).claim(item_id, ann)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def complete(note: str) -> None:
        with db.session() as own:
            user = own.get(type(ann), ann.id)
            own.get(WorkItem, item_id)  # both load the task before either writes
            own.commit()
            barrier.wait()
            try:
                CaseEngine(own, clock).complete(item_id, user, {"risky": False, "note": note})
                outcomes.append(note)
            except Conflict:
                outcomes.append("conflict")

    threads = [threading.Thread(target=complete, args=(n,)) for n in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes)[0] == "conflict" and len(outcomes) == 2 and outcomes.count("conflict") == 1
    fresh(session)  # leave the read snapshot taken before the threads wrote
    winner = next(o for o in outcomes if o != "conflict")
    workflow = load_workflow(session, case.id)
    [review_task] = workflow.get_tasks(spec_name="review_task")
    assert review_task.data["note"] == winner
    assert session.scalar(select(func.count()).where(AuditEvent.kind == "task.completed")) == 1
    assert audit.verify(session).ok


class Flaky:
    """A stand-in for an outside system (the core banking system) that can be switched to failing."""

    def __init__(self):
        self.failing = True
        self.calls = []

    def __call__(self, ctx, amount):
        self.calls.append(amount)
        if self.failing:
            raise HandlerError("core banking system timed out")
        ctx.send("sms", "13800000000", "reply", amount=amount)
        return {"accepted": amount}


@pytest.fixture
def flaky(deploy):
    handler = Flaky()
    handlers = base_registry.copy()
    handlers.register("flaky")(handler)
    deploy("engine/service_call.bpmn", handlers=handlers)
    return handler, handlers


def test_a_failing_handler_becomes_an_incident_and_a_retry_resumes_the_case(flaky, session, clock):
    handler, handlers = flaky
    engine = CaseEngine(session, clock, handlers=handlers)

    case = engine.start_case("service_call", {"amount": 21}, actor="channel")

    assert case.status == CaseStatus.INCIDENT
    incident = session.scalars(select(Incident)).one()
    assert incident.task_name == "Call the core system"
    assert "service 'flaky' failed" in incident.message and "timed out" in incident.message
    assert items(session, case.id) == []  # nothing after the failed task ran
    assert session.scalar(select(func.count()).select_from(Case)) == 1  # the complaint is kept

    handler.failing = False
    case = engine.retry(case.id, actor="operator")

    assert case.status == CaseStatus.OPEN
    assert handler.calls == [42, 42]
    assert session.get(Incident, incident.id).resolved_by == "operator"
    assert ready(session, case.id, "after").name == "Look at the reply"
    kinds = session.scalars(select(AuditEvent.kind).order_by(AuditEvent.seq)).all()
    assert (
        kinds[-4:] == ["case.started", "incident.opened", "task.ready", "incident.resolved"][-4:]
        or "incident.resolved" in kinds
    )


def test_a_runtime_script_error_names_the_task(flaky, session, clock):
    _, handlers = flaky
    case = CaseEngine(session, clock, handlers=handlers).start_case(
        "service_call", {"amount": None}, actor="channel"
    )
    incident = session.scalars(select(Incident).where(Incident.case_id == case.id)).one()
    assert incident.task_name == "Prepare the request"
    assert "task 'Prepare the request': script failed: TypeError" in incident.message


def test_a_crash_before_commit_leaves_the_case_exactly_as_it_was(
    review, engine, session, make_user, monkeypatch
):
    ann = make_user("ann")
    case = engine.start_case("review", {"category": "fees", "amount": 900}, actor="channel")
    item = ready(session, case.id, "review_task")
    engine.claim(item.id, ann)
    before = (
        session.get(Case, case.id).revision,
        session.scalar(select(func.count()).select_from(AuditEvent)),
    )

    def crash(*_args, **_kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(audit, "append", crash)
    with pytest.raises(RuntimeError):
        engine.complete(item.id, ann, {"risky": True, "note": "fraud"})
    monkeypatch.undo()

    session.expire_all()
    assert (
        session.get(Case, case.id).revision,
        session.scalar(select(func.count()).select_from(AuditEvent)),
    ) == before
    assert session.get(WorkItem, item.id).state == WorkItemState.CLAIMED
    assert session.scalar(select(func.count()).where(WorkItem.spec_id == "risk_check")) == 0
    engine.complete(item.id, ann, {"risky": True, "note": "fraud"})  # and it still works afterwards
    assert ready(session, case.id, "risk_check")


def test_state_is_stored_without_the_spec_and_round_trips_unchanged(review, engine, session):
    case = engine.start_case("review", {"category": "fees", "amount": 900}, actor="channel")
    stored = session.scalar(select(Case.state).where(Case.id == case.id))

    assert "spec" not in json.loads(stored)
    assert (case.serializer_version, case.engine_version) == ("1.5", "SpiffWorkflow 3.2.0")
    spec, subs = SERIALIZER.load_spec(case.process_version.spec_json)
    again = SERIALIZER.dump_state(SERIALIZER.load_state(stored, spec, subs))
    assert json.loads(again) == json.loads(stored)


def test_a_running_case_stays_on_the_version_it_started_on(deploy, session, clock, make_user, tmp_path):
    ann = make_user("ann")
    deploy("engine/five_tasks.bpmn")
    engine = CaseEngine(session, clock)
    old = engine.start_case("five_tasks", {}, actor="channel")
    changed = tmp_path / "five_tasks.bpmn"
    from tests.conftest import DATA

    changed.write_bytes((DATA / "engine/five_tasks.bpmn").read_bytes().replace(b"Step two", b"Step 2"))
    from engine.deploy import deployment

    result = deployment.deploy(session, [("five_tasks.bpmn", changed.read_bytes())], actor="t", clock=clock)
    assert [v.version for v in result.deployed] == [2]

    new = engine.start_case("five_tasks", {}, actor="channel")
    for case in (old, new):
        item = ready(session, case.id, "t1")
        engine.claim(item.id, ann)
        engine.complete(item.id, ann, {})
    assert ready(session, old.id, "t2").name == "Step two"
    assert ready(session, new.id, "t2").name == "Step 2"
    assert (old.process_version.version, new.process_version.version) == (1, 2)


def test_spiffworkflows_direct_environment_calls_are_sandboxed_too(session, clock):
    """SpiffWorkflow evaluates message correlations through script_engine.environment, not evaluate()."""
    from engine.errors import SandboxViolation
    from engine.scripting.script_engine import SandboxScriptEngine

    environment = SandboxScriptEngine(base_registry, lambda task: None).environment
    assert environment.evaluate("amount * 2", {"amount": 21}) == 42
    with pytest.raises(SandboxViolation):
        environment.evaluate("__import__('os').getcwd()", {})
    with pytest.raises(SandboxViolation):
        environment.execute("import os", {})


def test_changing_the_owner_needs_a_reason_moves_their_tasks_and_is_audited(
    review, engine, session, make_user
):
    ann, bob = make_user("ann"), make_user("bob")
    case = engine.start_case("review", {"category": "fees", "amount": 10}, actor="channel")
    item = ready(session, case.id, "review_task")
    assignment.change_owner(engine, case.id, ann, actor="supervisor.liu", reason="first contact")
    engine.claim(item.id, ann)

    with pytest.raises(ValidationFailed):
        assignment.change_owner(engine, case.id, bob, actor="supervisor.liu", reason="  ")
    assignment.change_owner(engine, case.id, bob, actor="supervisor.liu", reason="Ann is on leave")

    assert session.get(Case, case.id).owner_id == bob.id
    assert session.get(WorkItem, item.id).assignee_id == bob.id
    changes = session.scalars(select(AuditEvent).where(AuditEvent.kind == "owner.changed")).all()
    assert [(e.actor, e.payload["owner_username"], e.payload["reason"]) for e in changes] == [
        ("supervisor.liu", "ann", "first contact"),
        ("supervisor.liu", "bob", "Ann is on leave"),
    ]
    assert changes[-1].payload["tasks_moved"] == 1
