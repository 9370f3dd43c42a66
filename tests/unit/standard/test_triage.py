"""Triage that follows the service standard: large abnormal movements and risk words go urgent whatever
category the customer picked, and the agent's 500 CNY authority covers small disputes generally."""

from __future__ import annotations

from tests.unit.test_complaint_paths import file, history, open_items, work


def test_an_80000_cny_unauthorised_debit_filed_as_a_fee_dispute_goes_urgent(engine, session):
    case = file(engine, "80,000 CNY left my account without permission", "fee_dispute", amount=80_000).case
    session.refresh(case)
    assert (case.tier, case.priority, case.cause_class) == ("urgent", "P1", "fund_safety")
    assert "without permission" in case.risk_warning
    assert {i.spec_id for i in open_items(session, case.id)} == {
        "contact_customer",
        "join_operations",
        "join_risk",
    }


def test_a_large_amount_alone_makes_a_service_complaint_urgent(engine, session):
    case = file(engine, "The branch lost my deposit slip", "service_attitude", amount=60_000).case
    session.refresh(case)
    assert (case.tier, case.priority, case.risk_warning) == ("urgent", "P1", "")


def test_chinese_risk_words_for_a_debit_nobody_explained_go_urgent(engine, session):
    case = file(engine, "账户出现不明扣款，怀疑被人盗用", "fee_dispute", amount=300).case
    session.refresh(case)
    assert case.tier == "urgent"
    assert "不明扣款" in case.risk_warning and "盗用" in case.risk_warning


def test_a_large_product_dispute_stays_on_the_general_path(engine, session):
    case = file(
        engine, "理财收益不符", "product_dispute", amount=80_000, business_type="wealth_management"
    ).case
    session.refresh(case)
    assert case.tier == "general"


def test_a_50_cny_service_attitude_settlement_is_paid_within_the_agents_authority(
    engine,
    session,
    people,
):
    case = file(engine, "The clerk was rude to me", "service_attitude").case
    work(engine, session, case.id, "tell_direction", people["ann"])
    work(
        engine,
        session,
        case.id,
        "propose_settlement",
        people["ann"],
        {"compensation_amount": 50, "apology": "We are sorry", "account": "6222001"},
    )
    assert [i.spec_id for i in open_items(session, case.id)] == ["send_result"]
    assert not [s for s in history(session, case.id) if s.spec_id.startswith("approve_")]
