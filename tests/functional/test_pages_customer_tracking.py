"""The tracking page and what the customer does there: only their own case, nothing internal, one "not found"
for every bad code, rate-limited look-ups, information, the knowledge-base reply, the follow-up survey."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.models import AuditEvent, CaseNote, OutboxMessage
from tests.conftest import fresh
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import PEOPLE, PREFIX, start

WEEKEND = "What are your opening hours on weekends? Are you open on weekends?"


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


@pytest.fixture
def browser(app, api):
    return Browser(app)


def advisory(api) -> dict:
    return api.file(description=WEEKEND, category="business_inquiry", channel="app", customer="C-ADV")


def in_follow_up(api, clock) -> dict:
    """An advisory case whose answer the customer accepted: the follow-up visit is due, ann owns it."""
    case = advisory(api)
    api.post(f"{PREFIX}/track/{case['tracking_code']}/reply", json={"answer": "accepted"})
    visit = api.task_named("ann", case["id"], "follow")
    api.post(f"{PREFIX}/tasks/{visit['id']}/claim", "ann")
    clock.advance(hours=1)
    return case


def notes(session, case_id, kind):
    fresh(session)
    return session.scalars(select(CaseNote).where(CaseNote.case_id == case_id, CaseNote.kind == kind)).all()


def test_the_code_form_leads_to_the_tracking_page(api, browser):
    case = api.file()
    assert browser.get("/track").status_code == 200
    sent = browser.post("/track", {"code": f"  {case['tracking_code']} "})
    assert sent.status_code == 303 and sent.headers["Location"] == f"/track/{case['tracking_code']}"
    empty = browser.post("/track", {"code": "  "})
    assert empty.status_code == 422 and "Enter the tracking code" in empty.text


def test_a_new_complaint_shows_its_status_milestones_and_promised_decision(api, browser):
    case = api.file()
    page = browser.get(f"/track/{case['tracking_code']}")
    assert page.status_code == 200
    assert case["reference"] in page.text
    assert "<h1>We have your complaint</h1>" in page.text
    assert "2026-03-02 09:00" in page.text  # received, in the bank's time zone
    assert "Our decision on your complaint" in page.text and "by 2026-03-17 09:00" in page.text
    assert "will take on your complaint shortly" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"


def test_the_page_names_only_the_owner_by_first_name_and_nothing_internal(api, browser, clock):
    case = api.file(description="My card was stolen and money taken", category="card_theft", amount=800)
    contact = api.claimed("ann", case["id"], "contact")
    api.post(
        f"{PREFIX}/tasks/{contact['id']}/complete",
        "ann",
        json={"data": {"reached": True, "note": "Spoke to her"}},
    )
    api.join_task_force("otto", case["id"], "operations")
    clock.advance(minutes=30)
    safeguards = api.claimed("otto", case["id"], "safeguards")
    api.post(
        f"{PREFIX}/tasks/{safeguards['id']}/complete",
        "otto",
        json={"data": {"action": "freeze", "account": "6222020200112233"}},
    )
    other = api.file(customer="C-2")

    page = browser.get(f"/track/{case['tracking_code']}")
    assert "Ann is handling your complaint" in page.text and "<h1>Being handled</h1>" in page.text
    text = re.sub(r"<[^>]+>", " ", page.text)
    staff = {word for name, (_, _, display) in PEOPLE.items() for word in (name, *display.split())} - {"Ann"}
    internal = {
        "frontline", "operations", "risk", "supervisor",
        "Spoke to her", "6222020200112233", "freeze",
        "stolen", "13812345678", "Zhang", "C-001",
        other["reference"], other["tracking_code"], "urgent", "P1",
    }  # fmt: skip
    assert [w for w in sorted(staff | internal) if re.search(rf"\b{re.escape(w)}\b", text)] == []


@pytest.mark.parametrize("code", ["x", "a" * 300, "码" * 32, "A" * 32, "-" * 32, "%2E%2E"])
def test_unknown_and_malformed_codes_get_one_and_the_same_page(api, browser, code):
    api.file()
    page = browser.get(f"/track/{code}")
    assert page.status_code == 404
    assert "We could not find a complaint with this tracking code." in page.text
    assert 'action="/track"' in page.text


def test_another_customers_code_changes_nothing_of_mine(api, browser, session):
    mine, theirs = api.file(), api.file(customer="C-2", category="service_attitude", description="Rude staff")
    assert mine["reference"] not in browser.get(f"/track/{theirs['tracking_code']}").text
    sent = browser.post(f"/track/{mine['tracking_code'].swapcase()}/information", {"text": "hello"})
    assert sent.status_code == 404
    assert notes(session, mine["id"], "customer_information") == []


def test_look_ups_are_rate_limited_per_client_hits_and_misses_alike(app, api, browser, clock):
    app.config["API_RATE_LIMITS"] = {"track": (2, 60)}
    case = api.file()
    assert browser.get(f"/track/{'B' * 32}").status_code == 404
    assert browser.get(f"/track/{case['tracking_code']}").status_code == 200
    limited = browser.get(f"/track/{case['tracking_code']}")
    assert limited.status_code == 429 and "Too many look-ups" in limited.text
    clock.advance(seconds=60)
    assert browser.get(f"/track/{case['tracking_code']}").status_code == 200


def test_an_expired_code_gets_the_same_page(api, browser, clock):
    case = in_follow_up(api, clock)
    visit = api.claimed("ann", case["id"], "follow")
    data = {"resolved": True, "satisfaction": 5}
    api.post(f"{PREFIX}/tasks/{visit['id']}/complete", "ann", json={"data": data})
    page = browser.get(f"/track/{case['tracking_code']}")
    assert "<h1>Complaint closed</h1>" in page.text and "information can no longer be added" in page.text
    clock.advance(days=91)
    assert browser.get(f"/track/{case['tracking_code']}").status_code == 404


def test_the_customer_adds_information_and_the_owner_is_told(api, browser, session):
    case = api.file()
    direction = api.task_named("ann", case["id"], "direction")
    api.post(f"{PREFIX}/tasks/{direction['id']}/claim", "ann")
    url = f"/track/{case['tracking_code']}"

    sent = browser.post(f"{url}/information", {"text": "The second charge was on 3 March."})
    assert sent.status_code == 303 and sent.headers["Location"] == f"{url}#information"
    page = browser.get(url)
    assert "Your information was added to your complaint" in page.text
    assert "You added information on: 2026-03-02 09:00" in page.text
    [note] = notes(session, case["id"], "customer_information")
    assert note.text == "The second charge was on 3 March." and note.author == "customer"
    assert (
        "second charge" not in page.text
    )  # the page confirms it, it does not show it to whoever has the code
    messages = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "customer_information"))
    assert [m.recipient for m in messages] == [f"user:{api.users['ann'].id}"]


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Write the information you want to add."), ("   ", "Write the information you want to add."),
     ("x" * 2001, "Use at most 2000 characters.")],
)  # fmt: skip
def test_empty_or_oversized_information_is_refused_and_kept(api, browser, session, text, message):
    case = api.file()
    page = browser.post(f"/track/{case['tracking_code']}/information", {"text": text})
    assert page.status_code == 422 and message in page.text
    assert notes(session, case["id"], "customer_information") == []


def test_a_closed_complaint_refuses_information_with_a_clear_message(api, browser, session, clock):
    case = in_follow_up(api, clock)
    visit = api.claimed("ann", case["id"], "follow")
    api.post(f"{PREFIX}/tasks/{visit['id']}/complete", "ann", json={"data": {"resolved": True}})
    page = browser.post(f"/track/{case['tracking_code']}/information", {"text": "One more thing"})
    assert page.status_code == 409 and "This complaint is closed" in page.text
    assert notes(session, case["id"], "customer_information") == []


def test_the_knowledge_base_answer_is_shown_with_two_replies(api, browser, session):
    case = advisory(api)
    url = f"/track/{case['tracking_code']}"
    page = browser.get(url)
    assert "Our answer to your question" in page.text
    assert 'value="accepted"' in page.text and 'value="person"' in page.text

    sent = browser.post(f"{url}/reply", {"answer": "person"})
    assert sent.status_code == 303
    after = browser.get(url)
    assert "A member of our team will reply to you within 24 hours." in after.text
    assert "Our answer to your question" not in after.text
    assert [t["lane"] for t in api.tasks("bob", case_id=case["id"])] == ["frontline"]

    again = browser.post(f"{url}/reply", {"answer": "accepted"})
    assert again.status_code == 303
    assert "We already have your reply" in browser.get(url).text
    fresh(session)
    kinds = session.scalars(select(AuditEvent.payload).where(AuditEvent.kind == "message.received")).all()
    assert kinds == [{"message": "person_requested"}]


def test_an_unknown_reply_is_refused(api, browser):
    case = advisory(api)
    assert browser.post(f"/track/{case['tracking_code']}/reply", {"answer": "maybe"}).status_code == 422
    assert "Our answer to your question" in browser.get(f"/track/{case['tracking_code']}").text


def test_the_survey_is_offered_during_the_follow_up_and_recorded_for_the_owner(api, browser, session, clock):
    plain = api.file(customer="C-9")
    assert 'id="survey"' not in browser.get(f"/track/{plain['tracking_code']}").text
    case = in_follow_up(api, clock)
    url = f"/track/{case['tracking_code']}"
    page = browser.get(url)
    assert "How did we do?" in page.text and "Is your problem solved?" in page.text

    answers = {
        "resolved": "false",
        "satisfaction": "2",
        "recommend": "3",
        "comments": "Still closed on Sundays",
    }
    sent = browser.post(f"{url}/survey", answers)
    assert sent.status_code == 303
    after = browser.get(url)
    assert "Thank you for your answers" in after.text and "How did we do?" not in after.text
    [note] = notes(session, case["id"], "customer_survey")
    assert note.text == "resolved: no; satisfaction: 2/5; recommend: 3/10\nStill closed on Sundays"
    owner = f"user:{api.users['ann'].id}"
    messages = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == owner)).all()
    assert [m.template for m in messages] == ["customer_survey_unresolved"]
    # The owner's follow-up visit is still theirs to make.
    assert api.task_named("ann", case["id"], "follow")["state"] == "claimed"

    twice = browser.post(f"{url}/survey", answers)
    assert twice.status_code == 303 and "We already have your answers" in browser.get(url).text
    assert len(notes(session, case["id"], "customer_survey")) == 1


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({}, "resolved", "This field is required."),
        ({"resolved": "perhaps"}, "resolved", "Choose yes or no."),
        ({"resolved": "true", "satisfaction": "9"}, "satisfaction", "Enter 5 or less."),
        ({"resolved": "true", "satisfaction": "4.5"}, "satisfaction", "Enter a whole number."),
        ({"resolved": "true", "recommend": "-1"}, "recommend", "Enter 0 or more."),
        ({"resolved": "true", "comments": "x" * 2001}, "comments", "Use at most 2000 characters."),
    ],
)
def test_bad_survey_answers_are_shown_by_field(api, browser, session, clock, answers, field, message):
    case = in_follow_up(api, clock)
    page = browser.post(f"/track/{case['tracking_code']}/survey", answers)
    assert page.status_code == 422
    assert re.search(rf'id="{field}-error">{re.escape(message)}<', page.text)
    assert notes(session, case["id"], "customer_survey") == []


def test_a_survey_when_none_is_due_changes_nothing(api, browser, session):
    case = api.file()
    sent = browser.post(f"/track/{case['tracking_code']}/survey", {"resolved": "true"})
    assert sent.status_code == 303
    assert "no survey to answer now" in browser.get(f"/track/{case['tracking_code']}").text
    assert notes(session, case["id"], "customer_survey") == []


def test_the_tracking_page_reads_in_chinese(app, api):
    case = advisory(api)
    page = Browser(app, language="zh-CN").get(f"/track/{case['tracking_code']}")
    assert page.status_code == 200
    assert "我们对您问题的答复" in page.text and "补充信息" in page.text and "已受理" in page.text
