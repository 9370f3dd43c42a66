"""The public complaint form: what the customer fills in, field-by-field validation, the confirmation only for
the browser that filed, the per-client limit, both languages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from engine.models import AuditEvent, Case, CaseNote, Customer, IdentityClaim
from tests.conftest import fresh
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import start

NEW = "/complaints/new"
VALID = {
    "complaint.business_type": "bank_card",
    "complaint.category": "fee_dispute",
    "complaint.description": "I was charged the annual fee twice this year.",
    "complaint.amount": "120",
    "complaint.occurred_at": "2026-02-27T14:30",
    "customer.name": "Zhang San",
    "customer.phone": "+86 138-1234-5678",
}


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


@pytest.fixture
def browser(app, api):
    return Browser(app)


def cases(session):
    fresh(session)
    return session.scalars(select(Case).order_by(Case.id)).all()


def test_the_start_page_offers_filing_and_following_a_complaint(browser):
    page = browser.get("/")
    assert page.status_code == 200
    assert 'href="/complaints/new"' in page.text
    assert 'action="/track"' in page.text
    assert "Staff sign-in" in page.text
    assert "Demonstration complaints" not in page.text


def test_the_start_page_of_a_demo_system_links_to_demo_complaints(app, api, browser):
    app.config["DEMO_MODE"] = True
    case = api.file()
    page = browser.get("/")
    assert f'href="/track/{case["tracking_code"]}"' in page.text


def test_the_form_asks_the_customer_only_what_they_know(browser):
    page = browser.get(NEW)
    assert page.status_code == 200
    names = set(re.findall(r'name="([a-z_.]+)"', page.text)) - {"csrf_token", "next", "language", "viewport"}
    assert names == {
        "complaint.business_type",
        "complaint.category",
        "complaint.description",
        "complaint.amount",
        "complaint.occurred_at",
        "customer.name",
        "customer.phone",
    }
    assert "Your mobile number" in page.text and "How we reach you" in page.text
    assert "customer number" not in page.text.lower()


def test_a_valid_complaint_is_filed_from_the_web_and_confirmed_with_its_tracking_code(browser, session):
    sent = browser.post(NEW, VALID)
    assert sent.status_code == 303 and sent.headers["Location"] == "/complaints/filed"

    [case] = cases(session)
    assert (case.channel, case.category, case.business_type) == ("web", "fee_dispute", "bank_card")
    assert case.started_by == "channel:web" and float(case.amount) == 120
    customer = session.get(Customer, case.customer_id)
    assert customer.external_id.startswith("web-") and "13812345678" not in customer.external_id
    assert (customer.name, customer.segment) == ("Zhang San", "standard")
    claim = session.scalars(select(IdentityClaim).where(IdentityClaim.case_id == case.id)).one()
    assert (claim.name, claim.phone, claim.status) == ("Zhang San", "13812345678", "claimed")

    page = browser.get("/complaints/filed")
    assert page.status_code == 200
    assert case.reference in page.text and case.tracking_code in page.text
    assert f"/track/{case.tracking_code}" in page.text
    # What happens next, and by when: the direction within 4 hours, the decision within 15 days.
    assert "contacts you by 2026-03-02 13:00" in page.text
    assert "by 2026-03-17 at the latest" in page.text


def test_the_confirmation_is_for_the_browser_that_filed_only(app, browser, session):
    browser.post(NEW, VALID)
    [case] = cases(session)
    stranger = Browser(app).get("/complaints/filed")
    assert stranger.status_code == 302 and case.tracking_code not in stranger.text


def test_the_confirmation_expires_after_an_hour(browser, session, clock):
    browser.post(NEW, VALID)
    clock.advance(hours=2)
    assert browser.get("/complaints/filed").status_code == 302


def test_an_urgent_complaint_promises_contact_within_15_minutes(browser, session):
    browser.post(
        NEW, {**VALID, "complaint.category": "card_theft", "complaint.description": "My card was stolen"}
    )
    assert "contacts you by 2026-03-02 09:15" in browser.get("/complaints/filed").text


def test_a_question_the_knowledge_base_answers_says_the_answer_is_ready(browser):
    question = "What are your opening hours on weekends? Are you open on weekends?"
    browser.post(NEW, {**VALID, "complaint.category": "business_inquiry", "complaint.description": question})
    assert "An answer to your question is ready" in browser.get("/complaints/filed").text


def test_a_strangers_filing_with_a_victims_number_neither_renames_nor_joins_the_victims_case(
    api, browser, session
):
    """An anonymous visitor who types a customer's mobile number gets a case of their own: the customer's record
    keeps its name, their open case gets no words from the stranger, and the typed number is only a claim."""
    victim_case = api.file(customer="C-001")  # Zhang San, 13812345678, filed by a trusted channel
    fresh(session)
    victim = session.scalars(select(Customer).where(Customer.external_id == "C-001")).one()
    sent = browser.post(NEW, {**VALID, "customer.phone": "13812345678", "customer.name": "Somebody Else"})
    assert sent.status_code == 303
    assert "Added to your open complaint" not in browser.get("/complaints/filed").text

    fresh(session)
    assert session.get(Customer, victim.id).name == "Zhang San"  # unchanged
    assert session.scalars(select(CaseNote).where(CaseNote.case_id == victim_case["id"])).all() == []
    [_, stranger_case] = cases(session)
    assert stranger_case.customer_id != victim.id
    claim = session.scalars(select(IdentityClaim).where(IdentityClaim.case_id == stranger_case.id)).one()
    assert (claim.phone, claim.name, claim.status) == ("13812345678", "Somebody Else", "claimed")
    kinds = [
        e.kind for e in session.scalars(select(AuditEvent).where(AuditEvent.case_id == stranger_case.id))
    ]
    assert "customer.created" in kinds and "customer.identity_claimed" in kinds
    assert "customer.updated" not in [e.kind for e in session.scalars(select(AuditEvent))]


def test_two_public_filings_with_one_number_are_two_cases_with_two_claims(browser, session):
    browser.post(NEW, VALID)
    Browser(browser.client.application).post(NEW, {**VALID, "customer.name": "Somebody"})
    first, second = cases(session)
    assert first.customer_id != second.customer_id
    assert session.scalar(select(func.count()).select_from(IdentityClaim)) == 2


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"complaint.description": "   "}, "complaint.description", "This field is required."),
        ({"complaint.description": "x" * 10001}, "complaint.description", "Use at most 10000 characters."),
        ({"complaint.category": ""}, "complaint.category", "This field is required."),
        ({"complaint.category": "lottery"}, "complaint.category", "Choose one of the options."),
        ({"complaint.business_type": "casino"}, "complaint.business_type", "Choose one of the options."),
        ({"complaint.amount": "a lot"}, "complaint.amount", "Enter a number."),
        ({"complaint.amount": "-5"}, "complaint.amount", "Enter 0 or more."),
        ({"complaint.occurred_at": "yesterday"}, "complaint.occurred_at", "Enter a date and time."),
        ({"complaint.occurred_at": "2026-03-05T10:00"}, "complaint.occurred_at", "This is in the future."),
        ({"customer.name": ""}, "customer.name", "This field is required."),
        ({"customer.phone": ""}, "customer.phone", "This field is required."),
        ({"customer.phone": "call me"}, "customer.phone", "This is not in the expected format."),
        ({"customer.phone": "1" * 40}, "customer.phone", "Use at most 32 characters."),
    ],
)
def test_mistakes_are_shown_by_field_and_the_values_kept(browser, session, change, field, message):
    page = browser.post(NEW, {**VALID, **change})
    assert page.status_code == 422
    assert "Please correct the fields marked below." in page.text
    assert re.search(rf'id="{re.escape(field)}-error">{re.escape(message)}<', page.text), page.text
    assert "I was charged the annual fee twice" in page.text or field == "complaint.description"
    assert 'value="Zhang San"' in page.text or field == "customer.name"
    assert cases(session) == []


def test_fields_the_customer_does_not_fill_in_cannot_be_forced(browser, session):
    sent = browser.post(
        NEW,
        {
            **VALID,
            "complaint.channel": "branch",
            "customer.id": "C-VIP",
            "customer.segment": "high_net_worth",
        },
    )
    assert sent.status_code == 303
    [case] = cases(session)
    customer = session.get(Customer, case.customer_id)
    assert (case.channel, customer.segment) == ("web", "standard")
    assert customer.external_id.startswith("web-")  # not the C-VIP sent


def test_a_form_without_its_csrf_token_is_refused(browser, session):
    assert browser.post(NEW, VALID, csrf=False).status_code == 400
    assert cases(session) == []


def test_filing_is_limited_per_client(app, browser, session):
    app.config["API_RATE_LIMITS"] = {"intake_page": (2, 3600)}
    for description, category in [
        ("The teller was rude to me", "service_attitude"),
        ("Please add a dark mode to the app", "suggestion"),
    ]:
        sent = browser.post(
            NEW, {**VALID, "complaint.description": description, "complaint.category": category}
        )
        assert sent.status_code == 303
    refused = browser.post(NEW, {**VALID, "complaint.category": "product_dispute"})
    assert refused.status_code == 429 and "Too many complaints" in refused.text
    assert len(cases(session)) == 2
    # Mistakes are not counted: the limit is on complaints filed.
    assert browser.post(NEW, {**VALID, "customer.name": ""}).status_code == 422


def test_the_form_and_the_confirmation_read_in_chinese(app, api, session):
    browser = Browser(app, language="zh-CN")
    page = browser.get(NEW)
    assert "提交投诉" in page.text and "您的手机号码" in page.text
    browser.post(NEW, {**VALID, "complaint.description": "年费被重复扣取了两次"})
    [case] = cases(session)
    confirmation = browser.get("/complaints/filed").text
    assert "我们已收到您的投诉" in confirmation and case.tracking_code in confirmation
    fresh(session)
    assert session.get(Case, case.id).description == "年费被重复扣取了两次"
