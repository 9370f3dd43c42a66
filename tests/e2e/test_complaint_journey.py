"""A complaint's whole journey in a real browser, in Chinese and in English.

A customer files a fee dispute on a phone-sized screen and keeps the tracking code; an agent signs in, claims
and completes every task the case gives them; the customer's tracking page then shows the result.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine import accounts
from engine.models import Case
from tests.conftest import fresh
from tests.functional.test_api_support import deploy_processes

PASSWORD = "correct horse battery"

# What the agent writes into each task's form, by the field's name (inputs the form's schema asks for).
ANSWERS = {
    "direction": "We will check the fee records and reply within three days.",
    "compensation_amount": "120",
    "apology": "We are sorry for charging the annual fee twice.",
    "account": "6222020200112233",
    "cause": "The annual fee was charged twice by a batch error.",
    "solution": "We refunded the second charge.",
    "advice": "Check your statement in the app each month.",
}
# Text in both languages: (English, Chinese).
TEXT = {
    "send": ("Send my complaint", "提交投诉"),
    "received": ("We have received your complaint", "我们已收到您的投诉"),
    "sign_in": ("Sign in", "登录"),
    "claim": ("Claim", "认领"),
    "complete": ("Complete task", "完成任务"),
    "result_sent": ("Result sent", "已告知处理结果"),
}


@pytest.fixture
def staff(session, clock):
    deploy_processes(session, clock)
    accounts.ensure_departments(session)
    session.commit()
    accounts.create_user(
        session,
        clock,
        username="agent.li",
        role="agent",
        departments=["frontline"],
        password=PASSWORD,
        display_name="李娜",
    )


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_complaint_from_filing_to_the_result_on_the_tracking_page(
    live_server, new_page, staff, session, language
):
    text = {key: pair[0 if language == "en" else 1] for key, pair in TEXT.items()}
    locale = "en-US" if language == "en" else "zh-CN"

    # The customer, on a phone.
    customer = new_page(locale, phone=True)
    customer.goto(f"{live_server}/complaints/new")
    customer.select_option("[name='complaint.business_type']", "bank_card")
    customer.select_option("[name='complaint.category']", "fee_dispute")
    customer.fill("[name='complaint.description']", "我的信用卡年费被重复扣了两次，请退还。")
    customer.fill("[name='complaint.amount']", "120")
    customer.fill("[name='customer.name']", "张伟")
    customer.fill("[name='customer.phone']", "13812345678")
    customer.get_by_role("button", name=text["send"]).click()
    customer.get_by_role("heading", name=text["received"]).wait_for()
    reference = customer.locator(".reference").inner_text()
    code = customer.locator(".tracking-code").inner_text()
    assert re.fullmatch(r"[A-Za-z0-9_-]{16,64}", code)

    # The agent signs in and works the case until nothing of it is left in their inbox.
    agent = new_page(locale)
    agent.goto(f"{live_server}/signin")
    agent.fill("#username", "agent.li")
    agent.fill("#password", PASSWORD)
    agent.get_by_role("button", name=text["sign_in"], exact=True).click()
    agent.wait_for_url(re.compile(r"/agent/"))
    worked = []
    for _ in range(8):
        agent.goto(f"{live_server}/agent/")
        row = agent.locator("tbody tr", has_text=reference)
        if row.count() == 0:
            break
        row.first.get_by_role("link").first.click()
        claim = agent.get_by_role("button", name=text["claim"], exact=True)
        if claim.count():
            claim.click()
        if agent.locator("[name='resolved']").count():
            break  # the follow-up visit: days later, after the customer has the result
        worked.append(agent.locator("h1").inner_text())
        for name, value in ANSWERS.items():
            field = agent.locator(f"[name='{name}']")
            if field.count():
                field.fill(value)
        reached = agent.locator("[name='reached'][value='true']")
        if reached.count():  # the phone call with the result: the customer answered
            reached.check()
        agent.get_by_role("button", name=text["complete"]).click()
        agent.wait_for_load_state()
    assert len(worked) == 4, worked  # the direction, the settlement, the result notice, the phone call

    # The customer sees the result.
    customer.goto(f"{live_server}/track/{code}")
    customer.get_by_text(text["result_sent"]).first.wait_for()
    assert reference in customer.content()
    fresh(session)
    case = session.scalar(select(Case).where(Case.reference == reference))
    assert case.decided_at is not None  # the notice reached the customer: the regulatory clock stopped
