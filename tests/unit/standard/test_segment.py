"""The customer's segment changes the handling (issue 12): an elderly customer with an account dispute gets the
fraud protection explanation within 24 hours, a high-net-worth customer a tailored plan within 48 hours. Both
run beside the tier's path (complaint.bpmn's segment branch) and never hold it up; the case closes when both
are done."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.cases import retriage
from engine.errors import ValidationFailed
from engine.models import AuditEvent, Case, CaseStatus, Escalation, WorkItem
from engine.timers.sla import sweep
from tests.conftest import fresh
from tests.unit.test_complaint_paths import file, open_items, settle_fee_dispute, work

FRAUD = {"fraud_explained": True, "fraud_explained_how": "phone", "fraud_understood": True}
PLAN = {"tailored_plan": "A dedicated manager and a review call next week", "tailored_agreed": True}
SEGMENT_TASKS = {"explain_fraud_protection", "tailored_plan"}


def segment_tasks(session, case_id) -> list[tuple[str, str | None, timedelta | None]]:
    """The case's segment tasks: (spec, lane, time allowed from receipt)."""
    case = session.get(Case, case_id)
    return [
        (i.spec_id, i.lane, i.due_at - case.received_at if i.due_at else None)
        for i in open_items(session, case_id)
        if i.spec_id in SEGMENT_TASKS
    ]


@pytest.mark.parametrize(
    ("category", "description", "amount"),
    [
        ("card_theft", "My card was stolen", 800),
        ("abnormal_transaction", "A payment I do not recognise", 2000),
        ("fund_frozen", "My account is frozen and I cannot pay my rent", None),
    ],
)
def test_an_elderly_customer_with_an_account_dispute_gets_the_fraud_protection_explanation(
    engine, session, category, description, amount
):
    case = file(engine, description, category, amount, "elderly").case
    [item] = [i for i in open_items(session, case.id) if i.spec_id == "explain_fraud_protection"]
    assert item.name == "Explain fraud protection 讲解防诈骗知识"
    assert (item.lane, item.assign_to, item.form) == ("frontline", "owner", "anti_fraud.schema.json")
    assert segment_tasks(session, case.id) == [("explain_fraud_protection", "frontline", timedelta(hours=24))]
    # The tier's path started beside it.
    assert {i.spec_id for i in open_items(session, case.id)} - SEGMENT_TASKS


@pytest.mark.parametrize(
    ("segment", "category", "description", "expected"),
    [
        ("elderly", "fee_dispute", "An annual fee was charged twice", []),
        ("elderly", "service_attitude", "The clerk was rude", []),
        ("standard", "card_theft", "My card was stolen", []),
        ("high_net_worth", "fee_dispute", "An annual fee was charged twice", [("tailored_plan", 48)]),
        ("high_net_worth", "card_theft", "My card was stolen", [("tailored_plan", 48)]),
    ],
)
def test_only_the_segment_and_category_the_standard_names_get_a_task(
    engine, session, segment, category, description, expected
):
    case = file(engine, description, category, 100, segment).case
    assert segment_tasks(session, case.id) == [
        (spec, "frontline", timedelta(hours=hours)) for spec, hours in expected
    ]


def test_the_tier_path_does_not_wait_for_the_tailored_plan_and_the_case_closes_after_both(
    engine, session, people
):
    case = file(engine, "An annual fee was charged twice", "fee_dispute", 300, "high_net_worth").case
    settle_fee_dispute(engine, session, case.id, people["ann"])
    fresh(session)
    waiting = session.get(Case, case.id)
    assert waiting.status == CaseStatus.OPEN and waiting.decided_at is not None
    assert [i.spec_id for i in open_items(session, case.id)] == ["tailored_plan"]
    # The first owner (who took the first frontline task) has the segment task too.
    assert open_items(session, case.id)[0].assignee_id == people["ann"].id

    work(engine, session, case.id, "tailored_plan", people["ann"], PLAN)
    fresh(session)
    assert session.get(Case, case.id).status == CaseStatus.COMPLETED


def test_the_fraud_protection_explanation_done_first_leaves_the_urgent_path_running(engine, session, people):
    case = file(engine, "My card was stolen", "card_theft", 800, "elderly").case
    work(engine, session, case.id, "contact_customer", people["ann"])
    work(engine, session, case.id, "explain_fraud_protection", people["ann"], FRAUD)
    fresh(session)
    left = {i.spec_id for i in open_items(session, case.id)}
    assert "explain_fraud_protection" not in left and {"join_operations", "join_risk"} <= left
    assert session.get(Case, case.id).status == CaseStatus.OPEN


def test_the_forms_refuse_an_empty_answer(engine, session, people):
    case = file(engine, "An annual fee was charged twice", "fee_dispute", 300, "high_net_worth").case
    with pytest.raises(ValidationFailed) as refused:
        work(
            engine,
            session,
            case.id,
            "tailored_plan",
            people["ann"],
            {"tailored_plan": " ", "tailored_agreed": True},
        )
    assert "tailored_plan" in refused.value.errors


def test_a_late_tailored_plan_escalates_to_the_supervisors_and_the_work_goes_on(engine, session, db, clock):
    case = file(engine, "An annual fee was charged twice", "fee_dispute", 300, "high_net_worth").case
    session.commit()
    clock.advance(hours=48, seconds=1)
    sweep(db.session, clock)
    fresh(session)
    plan = session.scalars(
        select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.spec_id == "tailored_plan")
    ).one()
    escalation = session.scalars(select(Escalation).where(Escalation.work_item_id == plan.id)).one()
    assert (escalation.step, escalation.limit_text) == ("tailored_plan", "48 hours from receipt")
    assert plan.state == "ready"


def test_a_re_triage_that_moves_the_path_leaves_the_segment_task_open(engine, session, people):
    case = file(engine, "A payment I do not recognise", "fee_dispute", 3000, "high_net_worth").case
    session.refresh(case)
    retriage.retriage(
        engine,
        case.id,
        actor=people["sue"],
        tier="urgent",
        category="abnormal_transaction",
        priority="P1",
        reason="The customer never made this payment",
    )
    open_specs = {i.spec_id for i in open_items(session, case.id)}
    assert "tailored_plan" in open_specs and "contact_customer" in open_specs
    assert "tell_direction" not in open_specs


@pytest.mark.parametrize(
    ("tier", "category", "priority"),
    [("urgent", "abnormal_transaction", "P1"), ("general", "fund_frozen", "P2")],
)
def test_a_category_corrected_to_an_account_dispute_gives_an_elderly_customer_the_explanation(
    engine, session, people, tier, category, priority
):
    case = file(engine, "A payment I do not recognise", "fee_dispute", 3000, "elderly").case
    session.refresh(case)
    assert segment_tasks(session, case.id) == []
    retriage.retriage(
        engine,
        case.id,
        actor=people["sue"],
        tier=tier,
        category=category,
        priority=priority,
        reason="The customer never made this payment",
    )
    # Still 24 hours from receipt, not from the correction.
    assert segment_tasks(session, case.id) == [("explain_fraud_protection", "frontline", timedelta(hours=24))]
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.kind == "case.retriaged")).all()
    assert event.payload["segment_again"] is True


def test_a_duty_already_given_is_not_given_twice(engine, session, people):
    case = file(engine, "My card was stolen", "card_theft", 800, "elderly").case
    work(engine, session, case.id, "contact_customer", people["ann"])
    work(engine, session, case.id, "explain_fraud_protection", people["ann"], FRAUD)
    session.refresh(case)
    values = {"tier": case.tier, "priority": case.priority, "reason": "Frozen, not stolen"}
    retriage.retriage(engine, case.id, actor=people["ann"], category="fund_frozen", **values)
    fresh(session)
    fraud = session.scalars(
        select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.spec_id == "explain_fraud_protection")
    ).all()
    assert [i.state for i in fraud] == ["completed"]
