"""Re-triage in a real browser: a supervisor opens a case filed as a fee dispute, corrects it to an urgent
abnormal transaction with a reason, and the case's work moves to the green channel."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine import accounts
from engine.cases.engine import CaseEngine
from engine.cases.intake import file_complaint
from engine.models import AuditEvent, Case, WorkItem, WorkItemState
from tests.conftest import fresh
from tests.functional.test_api_support import deploy_processes

PASSWORD = "correct horse battery"
TEXT = {
    "sign_in": ("Sign in", "登录"),
    "correct": ("Correct the triage", "更正分级"),
    "corrected": ("was corrected", "已更正"),
}


@pytest.fixture
def misfiled(session, clock):
    deploy_processes(session, clock)
    accounts.ensure_departments(session)
    session.commit()
    accounts.create_user(
        session,
        clock,
        username="supervisor.liu",
        role="supervisor",
        departments=["frontline", "supervisor"],
        password=PASSWORD,
        display_name="刘洋",
    )
    submission = {
        "complaint": {
            "channel": "app",
            "business_type": "bank_card",
            "category": "fee_dispute",
            "description": "A 3,000 CNY charge I do not recognise",
            "amount": 3000,
        },
        "customer": {"id": "C-1", "name": "Zhang San", "phone": "13800000000"},
    }
    case = file_complaint(CaseEngine(session, clock), submission, actor="channel:app").case
    session.commit()
    return case.id


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_supervisor_corrects_the_triage_and_the_case_moves_to_the_green_channel(
    live_server, new_page, misfiled, session, language
):
    text = {key: pair[0 if language == "en" else 1] for key, pair in TEXT.items()}
    page = new_page("en-US" if language == "en" else "zh-CN")
    page.goto(f"{live_server}/signin")
    page.fill("#username", "supervisor.liu")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name=text["sign_in"], exact=True).click()
    page.wait_for_url(re.compile(r"/supervisor/"))

    page.goto(f"{live_server}/agent/cases/{misfiled}")
    page.locator("#retriage").click()
    page.wait_for_url(re.compile(r"/triage$"))
    page.select_option("#tier", "urgent")
    page.select_option("#category", "abnormal_transaction")
    page.select_option("#priority", "P1")
    page.get_by_role("button", name=text["correct"]).click()
    # No reason: refused, and the choices are kept.
    page.locator("#reason-error").wait_for()
    assert page.locator("#tier").input_value() == "urgent"
    page.fill("#reason", "The customer never made this payment")
    page.get_by_role("button", name=text["correct"]).click()
    page.wait_for_url(re.compile(rf"/agent/cases/{misfiled}$"))
    page.get_by_text(text["corrected"]).first.wait_for()

    fresh(session)
    case = session.get(Case, misfiled)
    assert (case.tier, case.category, case.priority) == ("urgent", "abnormal_transaction", "P1")
    open_work = session.scalars(
        select(WorkItem.spec_id).where(
            WorkItem.case_id == misfiled, WorkItem.state.in_(WorkItemState.open_states())
        )
    ).all()
    assert set(open_work) == {"contact_customer", "join_operations", "join_risk"}
    event = session.scalars(select(AuditEvent).where(AuditEvent.kind == "case.retriaged")).one()
    assert (
        event.actor == "supervisor.liu" and event.payload["reason"] == "The customer never made this payment"
    )
