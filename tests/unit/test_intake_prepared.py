"""Intake in two halves: ``prepare`` runs the new case's first steps and writes nothing; ``write`` stores it under
the write lock, after checking that what ``prepare`` read still holds (engine/cases/intake.py). And the case ids it
takes beforehand (engine/store/ids.py).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from engine.cases import intake
from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from engine.errors import ValidationFailed
from engine.models import AuditEvent, Case, CaseNote, CaseStatus, Customer, OutboxMessage, WorkItem
from engine.store.db import begin_write
from engine.store.ids import reserve_case_id
from tests.conftest import fresh
from tests.unit.test_complaint_paths import PROCESSES, submission


@pytest.fixture
def engine(session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="tests", clock=clock)
    return CaseEngine(session, clock)


def count(session, model) -> int:
    fresh(session)
    return session.scalar(select(func.count()).select_from(model))


def test_preparing_writes_nothing_and_writing_stores_the_case_it_prepared(engine, session):
    events = count(session, AuditEvent)
    prepared = intake.prepare(
        engine, submission("Annual fee charged twice", "fee_dispute", amount=120), actor="c"
    )
    assert (count(session, Case), count(session, Customer), count(session, WorkItem)) == (0, 0, 0)
    assert count(session, AuditEvent) == events
    result = intake.write(engine, prepared, actor="c")
    assert not result.merged
    assert result.case.id == prepared.start.values["id"]
    assert result.case.reference == prepared.start.values["reference"]
    assert count(session, Case) == 1 and count(session, WorkItem) == 1
    kinds = session.scalars(select(AuditEvent.kind).where(AuditEvent.case_id == result.case.id)).all()
    assert kinds[0] == "case.started" and "task.ready" in kinds


def test_a_duplicate_filed_while_a_complaint_was_prepared_is_joined_not_opened_twice(engine, session):
    """Two channels send the same complaint at once: the second to reach the write lock joins the first's
    case, although its ``prepare`` saw no customer at all."""
    late = intake.prepare(
        engine, submission("Annual fee charged twice", "fee_dispute", amount=120), actor="app"
    )
    first = intake.file_complaint(
        engine, submission("The annual fee was charged twice!", "fee_dispute", amount=120), actor="phone"
    )
    joined = intake.write(engine, late, actor="app")
    assert joined.merged and joined.case.id == first.case.id
    assert count(session, Case) == 1
    assert session.scalars(select(CaseNote.kind)).all() == ["merged_complaint"]


def test_an_open_case_closed_while_a_repeat_was_prepared_gets_a_new_case_linked_to_it(engine, session):
    first = intake.file_complaint(engine, submission("The clerk was rude", "service_attitude"), actor="c")
    repeat = intake.prepare(engine, submission("The clerk was rude again", "service_attitude"), actor="c")
    assert repeat.duplicate_id == first.case.id and repeat.start is None
    session.execute(
        text("UPDATE cases SET status = :s WHERE id = :id"), {"s": CaseStatus.COMPLETED, "id": first.case.id}
    )
    session.commit()
    second = intake.write(engine, repeat, actor="c")
    assert not second.merged and second.case.id != first.case.id
    fresh(session)
    assert session.get(Case, second.case.id).repeat_of_id == first.case.id


def test_history_that_changed_while_preparing_is_what_the_case_starts_with(engine, session):
    """A complaint of the same customer about something else is filed in between: the new case's history
    must count it, so its first steps run again under the lock (with the id already taken)."""
    intake.file_complaint(engine, submission("The clerk was rude", "service_attitude"), actor="c")
    prepared = intake.prepare(engine, submission("The branch closed early", "suggestion"), actor="c")
    assert prepared.history["open_cases"] == 1
    between = intake.file_complaint(
        engine, submission("Fee charged twice", "fee_dispute", amount=20), actor="c"
    )
    case_id = prepared.start.values["id"]
    result = intake.write(engine, prepared, actor="c")
    assert result.case.id == case_id
    fresh(session)
    history = engine.load_workflow(session.get(Case, case_id)).last_task.data["history"]
    assert history["open_cases"] == 2
    assert between.case.reference in [c["reference"] for c in history["earlier"]]


def test_a_refused_complaint_takes_no_case_id(engine, session):
    before = reserve_case_id(session)
    bad = submission("x", "alien_abduction")
    with pytest.raises(ValidationFailed):
        intake.prepare(engine, bad, actor="c")
    assert reserve_case_id(session) == before + 1


def test_case_ids_increase_and_are_never_handed_out_twice(engine, session):
    first = reserve_case_id(session)
    case = intake.file_complaint(
        engine, submission("Fee charged twice", "fee_dispute", amount=20), actor="c"
    ).case
    assert case.id > first
    begin_write(session)  # inside a write transaction the id is taken in it, not in one of its own
    inside = reserve_case_id(session)
    session.rollback()
    assert reserve_case_id(session) >= inside  # a rolled-back reservation may be handed out again; never less
    assert reserve_case_id(session) > case.id


def test_on_sqlite_ids_skip_past_rows_inserted_with_explicit_ids(engine, session, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL takes ids from the table's own sequence; a bulk copy there must setval it")
    case = intake.file_complaint(
        engine, submission("Fee charged twice", "fee_dispute", amount=20), actor="c"
    ).case
    columns = [c.name for c in Case.__table__.c if c.name not in ("id", "reference", "tracking_code")]
    listed = ", ".join(columns)
    session.execute(
        text(
            f"INSERT INTO cases (id, reference, tracking_code, {listed})"
            f" SELECT 500, 'COPY', 'copy-code', {listed} FROM cases WHERE id = :id"
        ),
        {"id": case.id},
    )
    session.commit()
    assert reserve_case_id(session) == 501


def test_a_repeat_joining_an_owned_case_tells_its_owner(engine, session, make_user):
    ann = make_user("ann")
    first = intake.file_complaint(
        engine, submission("Fee charged twice", "fee_dispute", amount=20), actor="c"
    )
    item = session.scalars(select(WorkItem).where(WorkItem.case_id == first.case.id)).one()
    engine.claim(item.id, ann)  # taking a frontline task makes her the owner
    again = intake.file_complaint(
        engine, submission("The fee was charged twice", "fee_dispute", amount=20, channel="app"), actor="c"
    )
    assert again.merged
    fresh(session)
    told = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "inbox")).all()
    assert [(m.recipient, m.template, m.payload["channel"]) for m in told] == [
        (f"user:{ann.id}", "complaint_merged", "app")
    ]
