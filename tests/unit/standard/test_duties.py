"""Duties separated: nobody approves two levels of one settlement nor a settlement they proposed, and the
second level is a department head's."""

from __future__ import annotations

import pytest

from engine.errors import Forbidden
from tests.unit.test_complaint_paths import file, open_items, work


def settlement_for_approval(engine, session, owner, amount):
    case = file(engine, "Annual fee charged twice", "fee_dispute", amount=amount).case
    work(engine, session, case.id, "tell_direction", owner)
    work(
        engine,
        session,
        case.id,
        "propose_settlement",
        owner,
        {"compensation_amount": amount, "apology": "Sorry", "account": "6222001"},
    )
    return case


def item(session, case_id, spec_id):
    [found] = [i for i in open_items(session, case_id) if i.spec_id == spec_id]
    return found


def test_a_supervisor_who_proposed_a_settlement_may_not_approve_it(engine, session, people):
    case = settlement_for_approval(engine, session, people["sue"], 3000)
    approval = item(session, case.id, "approve_supervisor")
    with pytest.raises(Forbidden, match="you proposed this settlement"):
        engine.claim(approval.id, people["sue"])
    work(engine, session, case.id, "approve_supervisor", people["sam"], {"approved": True})
    assert [i.spec_id for i in open_items(session, case.id)] == ["send_result"]


def test_one_person_may_not_approve_two_levels_and_the_second_is_a_department_heads(
    engine,
    session,
    people,
):
    case = settlement_for_approval(engine, session, people["ann"], 30_000)
    work(engine, session, case.id, "approve_supervisor", people["dora"], {"approved": True})
    head = item(session, case.id, "approve_head")
    with pytest.raises(Forbidden, match="needs the role department_head"):
        engine.claim(head.id, people["sam"])
    with pytest.raises(Forbidden, match="approved another level"):
        engine.claim(head.id, people["dora"])
    work(engine, session, case.id, "approve_head", people["dan"], {"approved": True})
    assert [i.spec_id for i in open_items(session, case.id)] == ["send_result"]


def test_a_revised_settlement_starts_a_new_round_of_approvals(engine, session, people):
    case = settlement_for_approval(engine, session, people["ann"], 3000)
    work(engine, session, case.id, "approve_supervisor", people["sam"], {"approved": False, "comment": "No"})
    work(
        engine,
        session,
        case.id,
        "revise_settlement",
        people["ann"],
        {"compensation_amount": 1000, "apology": "Sorry", "account": "6222001"},
    )
    work(engine, session, case.id, "approve_supervisor", people["sam"], {"approved": True})
    assert [i.spec_id for i in open_items(session, case.id)] == ["send_result"]


def test_a_reassigned_approval_is_still_refused_at_completion(engine, session, people):
    from engine.cases import assignment

    case = settlement_for_approval(engine, session, people["sue"], 3000)
    approval = item(session, case.id, "approve_supervisor")
    engine.claim(approval.id, people["sam"])
    assignment.reassign(engine, approval.id, people["sue"], actor=people["dora"], reason="Sam is away")
    with pytest.raises(Forbidden, match="you proposed this settlement"):
        engine.complete(approval.id, people["sue"], {"approved": True})
