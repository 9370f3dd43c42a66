"""Moving waiting cases to a new version: checked per case with a reason, dry run first, batches, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.deploy import deployment
from engine.errors import InvalidState
from engine.models import AuditEvent, Case, ProcessVersion, Timer, WorkItem
from engine.studio import moving
from tests.unit.studio.conftest import shipped


def version(session, number: int) -> ProcessVersion:
    return session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.process_key == "complaint", ProcessVersion.version == number
        )
    )


def deploy_v2(session, clock, files) -> tuple[ProcessVersion, ProcessVersion]:
    deployment.deploy(session, files, actor="tests", clock=clock)
    return version(session, 1), version(session, 2)


def direction_cases(session) -> list[int]:
    query = select(WorkItem.case_id).where(
        WorkItem.spec_id == "tell_direction", WorkItem.state != "completed"
    )
    return sorted(session.scalars(query))


def test_a_dry_run_checks_every_case_and_recomputes_deadlines_writing_nothing(
    session, clock, engine, demo_cases
):
    clock.advance(timedelta(minutes=30))
    v1, v2 = deploy_v2(session, clock, [(n, c.replace(b'"PT4H"', b'"PT2H"')) for n, c in shipped()])
    ids = moving.select_cases(session, v1.id)
    report = moving.dry_run(engine, v1.id, v2.id, ids)
    assert report.movable == 12 and report.dry_run
    moved_timers = {c.case_id: c.timers for c in report.cases if c.timers}
    assert sorted(moved_timers) == direction_cases(session)
    received = session.get(Case, direction_cases(session)[0]).received_at
    [timer] = moved_timers[direction_cases(session)[0]]
    # From receipt, as the diagram says: not two hours from the move.
    assert timer["after"] == (received + timedelta(hours=2)).isoformat()
    assert set(session.scalars(select(Case.process_version_id))) == {v1.id}


def test_moving_writes_the_new_version_the_recomputed_timers_and_an_audit_event(
    session, clock, engine, demo_cases
):
    v1, v2 = deploy_v2(session, clock, [(n, c.replace(b'"PT4H"', b'"PT2H"')) for n, c in shipped()])
    ids = direction_cases(session)
    report = moving.move(engine, v1.id, v2.id, ids, actor="pete")
    assert report.movable == len(ids) == 4
    session.rollback()
    assert set(session.scalars(select(Case.process_version_id).where(Case.id.in_(ids)))) == {v2.id}
    waiting = select(Timer.spec_id, Timer.due_at).where(Timer.case_id.in_(ids), Timer.status == "waiting")
    due = {spec: [] for spec, _ in session.execute(waiting)}
    for spec, at in session.execute(waiting):
        due[spec].append(at)
    assert due.pop("tell_direction_deadline") == [clock() + timedelta(hours=2)] * 4
    # A high-net-worth customer's tailored plan keeps its 48 hours (the new version did not change them).
    assert due == {"tailored_plan_deadline": [clock() + timedelta(hours=48)]}
    events = session.scalars(select(AuditEvent).where(AuditEvent.kind == "case.migrated")).all()
    assert [(e.case_id, e.payload["from_version"], e.payload["to_version"]) for e in events] == [
        (i, 1, 2) for i in ids
    ]
    # The moved cases run on: their timer fires on the new version's deadline.
    clock.advance(timedelta(hours=2, seconds=1))
    assert engine.fire_timer(ids[0])
    kinds = session.scalars(select(AuditEvent.kind).where(AuditEvent.case_id == ids[0])).all()
    assert "task.escalated" in kinds


def test_a_case_waiting_at_a_task_the_new_version_lacks_is_refused_with_the_reason(
    session, clock, engine, demo_cases
):
    renamed = [(n, c.replace(b"tell_direction", b"give_direction")) for n, c in shipped()]
    v1, v2 = deploy_v2(session, clock, renamed)
    ids = moving.select_cases(session, v1.id, at="tell_direction")
    assert ids == direction_cases(session)
    report = moving.move(engine, v1.id, v2.id, ids, actor="pete")
    assert report.movable == 0
    assert all("tell_direction" in c.reason and "complaint v2" in c.reason for c in report.cases)
    session.rollback()
    assert set(session.scalars(select(Case.process_version_id).where(Case.id.in_(ids)))) == {v1.id}
    assert session.scalars(select(AuditEvent).where(AuditEvent.kind == "case.migrated")).all() == []


def test_cases_move_only_between_versions_of_their_own_process(session, clock, engine, demo_cases):
    general = session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == "general_path"))
    v1 = version(session, 1)
    with pytest.raises(InvalidState, match="complaint"):
        moving.dry_run(engine, v1.id, general.id, [1])
