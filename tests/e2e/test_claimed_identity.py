"""A complaint filed on the public site with a customer's mobile number, in a real browser: the customer on record
keeps their name, and the agent who owns the case confirms who the caller is on the case page."""

from __future__ import annotations

import re

from sqlalchemy import select

from engine import accounts
from engine.cases.engine import CaseEngine
from engine.cases.intake import file_complaint
from engine.models import Case, Customer, IdentityClaim
from tests.conftest import fresh
from tests.functional.test_api_support import deploy_processes

PASSWORD = "correct horse battery"


def test_the_owner_confirms_a_claimed_identity_on_the_case_page(live_server, new_page, session, clock):
    deploy_processes(session, clock)
    accounts.create_user(
        session, clock, username="agent.li", role="agent", departments=["frontline"], password=PASSWORD
    )
    on_record = {"id": "C-7788", "name": "张伟", "phone": "13812345678"}
    complaint = {"channel": "phone", "business_type": "deposit", "category": "service_attitude"}
    file_complaint(
        CaseEngine(session, clock),
        {"complaint": {**complaint, "description": "柜员态度很差"}, "customer": on_record},
        actor="channel:phone",
    )

    visitor = new_page("en-US", phone=True)
    visitor.goto(f"{live_server}/complaints/new")
    visitor.select_option("[name='complaint.business_type']", "bank_card")
    visitor.select_option("[name='complaint.category']", "fee_dispute")
    visitor.fill("[name='complaint.description']", "My annual fee was charged twice.")
    visitor.fill("[name='customer.name']", "Zhang Wei")
    visitor.fill("[name='customer.phone']", "+86 138 1234 5678")
    visitor.get_by_role("button", name="Send my complaint").click()
    reference = visitor.locator(".reference").inner_text()
    fresh(session)
    assert session.scalar(select(Customer.name).where(Customer.external_id == "C-7788")) == "张伟"

    agent = new_page("en-US")
    agent.goto(f"{live_server}/signin")
    agent.fill("#username", "agent.li")
    agent.fill("#password", PASSWORD)
    agent.get_by_role("button", name="Sign in", exact=True).click()
    agent.wait_for_url(re.compile(r"/agent/"))
    agent.locator("tbody tr", has_text=reference).first.get_by_role("link").first.click()
    agent.get_by_role("button", name="Claim", exact=True).click()  # the first to take it owns the case
    case = session.scalar(select(Case).where(Case.reference == reference))
    agent.goto(f"{live_server}/agent/cases/{case.id}")
    claim = agent.locator("#claimed-identity")
    claim.get_by_text("Filed on the public site as Zhang Wei, mobile 138****5678").wait_for()
    claim.get_by_label(re.compile("张伟")).check()
    claim.get_by_label("Note (optional)").fill("Called back: it is her")
    claim.get_by_role("button", name="Confirm identity").click()
    agent.get_by_text("The customer's identity is confirmed.").wait_for()
    agent.locator("#claimed-identity").get_by_text("Confirmed by agent.li.").wait_for()

    fresh(session)
    confirmed = session.scalars(select(IdentityClaim)).one()
    assert confirmed.status == "confirmed" and confirmed.decided_by == "agent.li"
    moved = session.get(Case, case.id)
    assert session.get(Customer, moved.customer_id).external_id == "C-7788"
