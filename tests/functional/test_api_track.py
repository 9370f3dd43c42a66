"""The customer's tracking view and replies: what they may see, nothing more, and only with their own code."""

from __future__ import annotations

import json
import re

import pytest

from engine import accounts
from tests.functional.test_api_support import PEOPLE, PREFIX, start

TRACK = f"{PREFIX}/track"
NOT_FOUND = {"code": "not_found", "message": "no complaint has this tracking code"}
WEEKEND = (
    "What are your opening hours on weekends? Are you open on weekends?"  # the knowledge base answers it
)


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def advisory(api) -> dict:
    return api.file(description=WEEKEND, category="business_inquiry", channel="app", customer="C-ADV")


def test_a_new_complaint_is_received_and_promises_the_direction_and_a_decision_by_the_regulatory_deadline(
    api,
):
    case = api.file()
    view = api.get(f"{TRACK}/{case['tracking_code']}")
    assert view.status_code == 200
    assert view.get_json() == {
        "reference": case["reference"],
        "status": "received",
        "milestones": [
            {"name": "received", "reached": True, "at": "2026-03-02T01:00:00+00:00"},
            {"name": "in_progress", "reached": False, "at": None},
            {"name": "result_sent", "reached": False, "at": None},
            {"name": "closed", "reached": False, "at": None},
        ],
        "owner": None,
        "next_step": {"name": "direction", "due_at": "2026-03-02T05:00:00+00:00"},
        "decision_due_at": "2026-03-17T01:00:00+00:00",
    }


def test_the_view_names_only_the_owner_by_first_name_and_nothing_internal(api, clock):
    case = api.file(description="My card was stolen and money taken", category="card_theft", amount=800)
    contact = api.claimed("ann", case["id"], "contact")
    api.post(
        f"{PREFIX}/tasks/{contact['id']}/complete",
        "ann",
        json={"data": {"reached": True, "note": "Spoke to her"}},
    )
    api.join_task_force("otto", case["id"], "operations")
    api.join_task_force("rita", case["id"], "risk")
    clock.advance(minutes=30)
    safeguards = api.claimed("otto", case["id"], "safeguards")
    api.post(
        f"{PREFIX}/tasks/{safeguards['id']}/complete",
        "otto",
        json={"data": {"action": "freeze", "account": "6222020200112233"}},
    )
    trace = api.claimed("rita", case["id"], "trace")
    api.post(
        f"{PREFIX}/tasks/{trace['id']}/complete",
        "rita",
        json={"data": {"root_cause": "Card skimmed at ATM 17", "funds_traced": True}},
    )
    other = api.file(customer="C-2")

    view = api.get(f"{TRACK}/{case['tracking_code']}").get_json()
    assert view["owner"] == {"first_name": "Ann"}
    assert view["status"] == "in_progress" and view["milestones"][1]["at"] == "2026-03-02T01:00:00+00:00"
    text = json.dumps(view, ensure_ascii=False)
    staff = {word for name, (_, _, display) in PEOPLE.items() for word in (name, *display.split())} - {"Ann"}
    internal = {
        "frontline", "operations", "risk", "supervisor",  # lanes
        "Spoke to her", "6222020200112233", "skimmed", "freeze",  # what the lanes wrote
        "stolen", "13812345678", "Zhang", "C-001",  # the complaint and the customer record
        other["reference"], other["tracking_code"], "tier", "urgent", "P1",
    }  # fmt: skip
    assert [word for word in sorted(staff | internal) if re.search(rf"\b{re.escape(word)}\b", text)] == []


@pytest.mark.parametrize(
    "code",
    [
        "x",
        "a" * 300,
        "...",
        "码" * 32,
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # well-formed, never issued
        "-" * 32,  # well-formed too: the placeholder looked up for malformed codes
    ],
)
def test_unknown_and_malformed_codes_get_one_and_the_same_404(api, code):
    api.file()
    response = api.get(f"{TRACK}/{code}")
    assert (response.status_code, response.get_json()) == (404, NOT_FOUND)


def test_a_code_opens_only_its_own_case(api):
    mine, theirs = api.file(), api.file(customer="C-2", category="service_attitude", description="Rude staff")
    assert api.get(f"{TRACK}/{mine['tracking_code']}").get_json()["reference"] == mine["reference"]
    assert api.get(f"{TRACK}/{theirs['tracking_code']}").get_json()["reference"] == theirs["reference"]
    assert api.get(f"{TRACK}/{mine['tracking_code'].swapcase()}").status_code == 404


def test_the_customer_accepts_the_answer_and_the_code_expires_90_days_after_closing(api, clock):
    case = advisory(api)
    url = f"{TRACK}/{case['tracking_code']}"
    accepted = api.post(f"{url}/reply", json={"answer": "accepted"})
    assert accepted.status_code == 200
    again = api.post(f"{url}/reply", json={"answer": "accepted"})
    assert again.status_code == 409 and again.get_json()["code"] == "invalid_state"

    visit = api.claimed("ann", case["id"], "follow")
    clock.advance(hours=2)
    data = {"resolved": True, "satisfaction": 5, "recommend": 9, "comments": "Thanks"}
    assert api.post(f"{PREFIX}/tasks/{visit['id']}/complete", "ann", json={"data": data}).status_code == 200
    closed = api.get(url).get_json()
    assert closed["status"] == "closed" and closed["next_step"] is None
    assert all(m["reached"] for m in closed["milestones"])

    clock.advance(days=89)
    assert api.get(url).status_code == 200
    clock.advance(days=2)
    expired = api.get(url)
    assert (expired.status_code, expired.get_json()) == (404, NOT_FOUND)
    assert api.post(f"{url}/reply", json={"answer": "person"}).status_code == 404


def test_asking_for_a_person_puts_a_task_in_the_frontline_queue(api):
    case = advisory(api)
    response = api.post(f"{TRACK}/{case['tracking_code']}/reply", json={"answer": "person"})
    assert response.status_code == 200
    assert [t["lane"] for t in api.tasks("bob", case_id=case["id"])] == ["frontline"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"answer": "maybe"}, 422, "validation_failed"),
        ({"answer": "accepted", "note": "hi"}, 422, "validation_failed"),
        ({}, 422, "validation_failed"),
        ("[1]", 422, "validation_failed"),
        ('{"answer": ', 400, "malformed_json"),
    ],
)
def test_bad_replies_are_refused(api, body, status, code):
    case = advisory(api)
    url = f"{TRACK}/{case['tracking_code']}/reply"
    if isinstance(body, dict):
        response = api.post(url, json=body)
    else:
        response = api.post(url, data=body, headers={"Content-Type": "application/json"})
    assert (response.status_code, response.get_json()["code"]) == (status, code)


def test_a_reply_the_case_is_not_waiting_for_is_409(api):
    case = api.file()
    response = api.post(f"{TRACK}/{case['tracking_code']}/reply", json={"answer": "accepted"})
    assert response.status_code == 409


def test_look_ups_are_rate_limited_per_client_address_hits_and_misses_alike(api, app, clock):
    app.config["API_RATE_LIMITS"] = {"track": (3, 60)}
    case = api.file()
    here, there = {"REMOTE_ADDR": "203.0.113.7"}, {"REMOTE_ADDR": "198.51.100.2"}
    assert api.get(f"{TRACK}/{'B' * 32}", environ_base=here).status_code == 404
    assert api.get(f"{TRACK}/{'C' * 32}", environ_base=here).status_code == 404
    assert api.get(f"{TRACK}/{case['tracking_code']}", environ_base=here).status_code == 200
    limited = api.get(f"{TRACK}/{case['tracking_code']}", environ_base=here)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"
    assert api.get(f"{TRACK}/{case['tracking_code']}", environ_base=there).status_code == 200
    clock.advance(seconds=60)
    assert api.get(f"{TRACK}/{case['tracking_code']}", environ_base=here).status_code == 200


def test_an_owner_with_a_chinese_name_is_shown_by_given_name_only(api, session, clock):
    accounts.create_user(
        session, clock, username="li.na", role="agent", departments=["frontline"], display_name="李娜"
    )
    api.tokens["li.na"] = accounts.create_token(session, clock, "li.na")
    case = api.file()
    direction = api.task_named("li.na", case["id"], "direction")
    api.post(f"{PREFIX}/tasks/{direction['id']}/claim", "li.na")
    view = api.get(f"{TRACK}/{case['tracking_code']}")
    assert view.get_json()["owner"] == {"first_name": "娜"}
    assert "李" not in json.dumps(view.get_json(), ensure_ascii=False)
