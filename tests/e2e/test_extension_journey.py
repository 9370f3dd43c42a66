"""The further extension of the regulatory clock in a real browser: a supervisor asks for a further 30 days on
a case's regulatory page, and a senior manager, signed in on their own, approves it from the escalations page's
link; the deadline moves and the customer is told."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import accounts
from engine.cases import regulatory
from engine.cases.engine import CaseEngine
from engine.cases.intake import file_complaint
from engine.models import Case, ExtensionRequest, OutboxMessage, User
from tests.conftest import fresh
from tests.functional.test_api_support import deploy_processes

PASSWORD = "correct horse battery"


@pytest.fixture
def extended(session, clock):
    """A fee dispute whose deadline a supervisor already extended to 30 days."""
    deploy_processes(session, clock)
    accounts.ensure_departments(session)
    session.commit()
    for username, role, name in (
        ("supervisor.liu", "supervisor", "刘洋"),
        ("manager.gao", "senior_manager", "高明"),
    ):
        accounts.create_user(
            session,
            clock,
            username=username,
            role=role,
            departments=["supervisor"],
            password=PASSWORD,
            display_name=name,
        )
    submission = {
        "complaint": {
            "channel": "app",
            "business_type": "bank_card",
            "category": "fee_dispute",
            "description": "Annual fee charged twice",
            "amount": 300,
        },
        "customer": {"id": "C-1", "name": "Zhang San", "phone": "13800000000"},
    }
    engine = CaseEngine(session, clock)
    case = file_complaint(engine, submission, actor="channel:app").case
    liu = session.scalar(select(User).where(User.username == "supervisor.liu"))
    regulatory.extend(engine, case.id, actor=liu, reason="Needs the card scheme's records")
    session.commit()
    return case.id


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server}/signin")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r"/supervisor/"))


def test_a_senior_manager_approves_a_further_extension_a_supervisor_asked_for(
    live_server, new_page, extended, session
):
    supervisor = new_page()
    sign_in(supervisor, live_server, "supervisor.liu")
    supervisor.goto(f"{live_server}/supervisor/cases/{extended}/regulatory")
    supervisor.get_by_role("button", name="Ask a senior manager").click()
    supervisor.locator("#reason-error").wait_for()  # no reason: nothing asked
    supervisor.fill("#reason", "Waiting for the third-party appraisal report")
    supervisor.get_by_role("button", name="Ask a senior manager").click()
    supervisor.get_by_text("Your request went to the senior managers.").wait_for()
    supervisor.locator("#extension-waiting").wait_for()

    manager = new_page()
    sign_in(manager, live_server, "manager.gao")
    manager.locator("#extensions-link").click()
    manager.wait_for_url(re.compile(r"/supervisor/extensions$"))
    fresh(session)
    [asked] = session.scalars(select(ExtensionRequest)).all()
    row = manager.locator(f"#request-{asked.id}")
    assert "Waiting for the third-party appraisal report" in row.inner_text()
    row.locator("textarea").fill("Agreed: the report is due next week")
    row.get_by_role("button", name="Approve and tell the customer").click()
    manager.get_by_text("Extension approved").wait_for()
    assert "No request is waiting." in manager.content()

    fresh(session)
    case = session.get(Case, extended)
    assert case.regulatory_days == 60 and case.regulatory_due_at == case.received_at + timedelta(days=60)
    assert session.get(ExtensionRequest, asked.id).status == "approved"
    told = session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "regulatory_extension")
    ).all()
    assert {(m.channel, m.payload["days"]) for m in told} >= {("sms", 60), ("app_push", 60)}
    supervisor.goto(f"{live_server}/supervisor/cases/{extended}/regulatory")
    supervisor.get_by_text("Every extension the regulation allows has been used.").wait_for()
