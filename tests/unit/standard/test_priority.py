"""A work item carries its case's priority as a number (WorkItem.priority, the inbox's first sort key): set
where work items are projected, rewritten on the open tasks when triage or a re-triage changes it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.cases import retriage
from engine.cases.engine import CaseEngine
from engine.models import Case, WorkItem
from engine.models.case import priority_number
from tests.conftest import fresh
from tests.unit.test_complaint_paths import file, open_items, work


def priorities(session, case_id) -> dict[str, tuple[str, int | None]]:
    fresh(session)
    rows = session.execute(
        select(WorkItem.spec_id, WorkItem.state, WorkItem.priority).where(WorkItem.case_id == case_id)
    )
    return {spec: (state, priority) for spec, state, priority in rows}


@pytest.mark.parametrize(
    ("text", "number"), [("P1", 1), ("P2", 2), ("P3", 3), ("P4", 4), (None, None), ("P9", None), ("p1", None)]
)
def test_a_priority_is_a_number_from_1_to_4_or_none(text, number):
    assert priority_number(text) == number


def test_tasks_are_born_with_the_priority_triage_gave_and_open_ones_follow_a_change(
    deploy, session, clock, make_user
):
    deploy("engine/priority.bpmn")
    ann = make_user("ann")
    cases = CaseEngine(session, clock)
    case = cases.start_case("priority", {}, actor="channel")
    # Triage ran in the step that created the tasks: they are born with its priority.
    assert priorities(session, case.id) == {"check": ("ready", 3), "review": ("ready", 3)}
    review = session.scalar(
        select(WorkItem.id).where(WorkItem.case_id == case.id, WorkItem.spec_id == "review")
    )
    cases.claim(review, ann)
    cases.complete(review, ann, {})
    assert session.get(Case, case.id).priority == "P1"
    # The open task moves up; the review, done at P3, keeps what it was worked at.
    assert priorities(session, case.id) == {"check": ("ready", 1), "review": ("completed", 3)}


def test_a_re_triage_of_the_priority_alone_moves_the_open_tasks(engine, session, people):
    case = file(engine, "The clerk was rude", "service_attitude").case
    session.refresh(case)
    assert case.priority == "P3"
    assert [i.priority for i in open_items(session, case.id)] == [3]
    work(engine, session, case.id, "tell_direction", people["ann"])
    values = {"tier": case.tier, "category": case.category, "reason": "The customer is in hospital"}
    retriage.retriage(engine, case.id, actor=people["sue"], priority="P1", **values)
    fresh(session)
    assert session.get(Case, case.id).priority == "P1"
    assert [(i.spec_id, i.priority) for i in open_items(session, case.id)] == [("propose_settlement", 1)]
    done = session.scalars(
        select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.spec_id == "tell_direction")
    ).one()
    assert done.priority == 3


def test_a_re_triage_that_moves_the_path_gives_the_new_tasks_the_new_priority(engine, session, people):
    case = file(engine, "A payment I do not recognise", "fee_dispute", amount=3000).case
    session.refresh(case)
    values = {"category": "abnormal_transaction", "reason": "The customer never made this payment"}
    retriage.retriage(engine, case.id, actor=people["sue"], tier="urgent", priority="P1", **values)
    fresh(session)
    assert {i.priority for i in open_items(session, case.id)} == {1}
