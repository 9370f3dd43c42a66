"""Intake, a complaint's details and its trace, through the API with the shipped processes."""

from __future__ import annotations

import io
import json
import threading

import pytest
from sqlalchemy import func, select

from engine.models import Case, Escalation, IdempotencyRecord
from engine.timers.sla import sweep
from tests.conftest import fresh
from tests.functional.test_api_support import PREFIX, start, submission

COMPLAINTS = f"{PREFIX}/complaints"


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def count_cases(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Case))


def test_a_channel_files_a_complaint_and_gets_its_reference_tier_and_tracking_code(api, session):
    response = api.post(COMPLAINTS, "app", json=submission())
    assert response.status_code == 201
    body = response.get_json()
    assert body["tier"] == "general" and body["status"] == "open" and body["merged"] is False
    assert body["reference"].startswith("C2026") and len(body["tracking_code"]) >= 32
    assert count_cases(session) == 1


def test_a_repeat_of_an_open_complaint_joins_that_case(api, session):
    first = api.file()
    again = api.post(COMPLAINTS, "app", json=submission(description="I was charged an annual fee twice!"))
    assert again.status_code == 200
    assert again.get_json() == {**first, "merged": True}
    assert count_cases(session) == 1


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        (b'{"complaint": {', "application/json", "malformed_json"),
        (b"\xff\xfe{}", "application/json", "malformed_json"),
        (b'{"complaint": {}, "complaint": {}}', "application/json", "malformed_json"),
        (b'{"complaint": {"amount": NaN}}', "application/json", "malformed_json"),
        (b'{"complaint": {"amount": 1e999}}', "application/json", "malformed_json"),
        (b"[" * 5000 + b"]" * 5000, "application/json", "malformed_json"),
        (b'{"complaint": {}}', "text/plain", "unsupported_content_type"),
        (b"complaint=x", "application/x-www-form-urlencoded", "unsupported_content_type"),
    ],
)
def test_malformed_bodies_are_400(api, session, body, content_type, code):
    response = api.post(COMPLAINTS, "app", data=body, headers={"Content-Type": content_type})
    assert response.status_code == 400
    assert response.get_json()["code"] == code
    assert count_cases(session) == 0


def test_a_body_over_64_kb_is_413_whether_or_not_its_length_is_announced(api, app):
    big = json.dumps(submission(description="x" * 70_000)).encode()
    response = api.post(COMPLAINTS, "app", data=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.get_json()["code"] == "payload_too_large"

    streamed = api.client.post(  # no Content-Length: a chunked body, read until the cap
        COMPLAINTS,
        input_stream=io.BytesIO(big),
        headers={**api.auth("app"), "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_base={"wsgi.input_terminated": True},
    )
    assert streamed.status_code == 413


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ([1, 2], {"body": "must be an object"}),
        (
            {**submission(), "priority": "P1", "notes": "x"},
            {"notes": "is not a known field", "priority": "..."},
        ),
        ({"complaint": submission()["complaint"]}, {"customer": "is required"}),
        (
            {**submission(), "complaint": {**submission()["complaint"], "amount": "lots", "channel": 5}},
            {"complaint.amount": "...", "complaint.channel": "..."},
        ),
        (
            {**submission(), "customer": {"id": "C-9", "name": "Li", "phone": "not a phone!", "vip": True}},
            {"customer.phone": "...", "customer.vip": "is not a field of this form"},
        ),
        (
            {**submission(), "complaint": {**submission()["complaint"], "description": "   "}},
            {"complaint.description": "..."},
        ),
        (
            {**submission(), "customer": {**submission()["customer"], "name": "Li\u0000"}},
            {"customer.name": "..."},
        ),
    ],
)
def test_invalid_complaints_are_422_naming_each_field(api, session, body, errors):
    response = api.post(COMPLAINTS, "app", json=body)
    assert response.status_code == 422
    found = response.get_json()["errors"]
    assert set(found) == set(errors)
    assert all(found[k] == v for k, v in errors.items() if v != "...")
    assert count_cases(session) == 0


def test_the_same_idempotency_key_replays_the_first_answer_and_files_once(api, session):
    headers = {"Idempotency-Key": "intake-7f3a"}
    first = api.post(COMPLAINTS, "app", json=submission(), headers=headers)
    # Key order and spacing do not make it another request.
    again = api.post(
        COMPLAINTS,
        "app",
        data=json.dumps(submission(), indent=2, sort_keys=True),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert count_cases(session) == 1

    changed = api.post(COMPLAINTS, "app", json=submission(description="Something else"), headers=headers)
    assert changed.status_code == 422 and changed.get_json()["code"] == "idempotency_key_reused"
    assert count_cases(session) == 1


def test_a_stored_answer_is_kept_for_its_retention_then_purged_and_the_key_forgotten(
    api, app, session, clock
):
    headers = {"Idempotency-Key": "intake-old"}
    first = api.post(COMPLAINTS, "app", json=submission(), headers=headers)
    clock.advance(hours=23)
    purge = app.test_cli_runner().invoke(args=["idempotency", "purge"], catch_exceptions=False)
    assert purge.exit_code == 0 and "0 stored answers deleted" in purge.output
    assert (
        api.post(COMPLAINTS, "app", json=submission(), headers=headers).headers["Idempotent-Replayed"]
        == "true"
    )
    clock.advance(hours=2)
    purge = app.test_cli_runner().invoke(args=["idempotency", "purge"], catch_exceptions=False)
    assert purge.exit_code == 0 and "1 stored answers deleted" in purge.output
    again = api.post(COMPLAINTS, "app", json=submission(), headers=headers)
    # Now a new request: the same complaint joins the case the first one opened, and is not a replay.
    assert again.status_code == 200 and again.get_json()["merged"] is True
    assert again.get_json()["id"] == first.get_json()["id"] and "Idempotent-Replayed" not in again.headers


def test_idempotency_keys_are_per_user_and_refused_requests_store_nothing(api, session):
    headers = {"Idempotency-Key": "k1"}
    assert api.post(COMPLAINTS, "app", json={"complaint": {}}, headers=headers).status_code == 422
    assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
    mine = api.post(COMPLAINTS, "app", json=submission(), headers=headers)
    theirs = api.post(COMPLAINTS, "ann", json=submission(customer="C-2"), headers=headers)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.get_json()["id"] != theirs.get_json()["id"]
    bad = api.post(COMPLAINTS, "app", json=submission(), headers={"Idempotency-Key": "has space"})
    assert bad.status_code == 400 and bad.get_json()["code"] == "invalid_idempotency_key"


def test_intake_is_rate_limited_per_client(api, app, clock):
    app.config["API_RATE_LIMITS"] = {"intake": (2, 60)}
    for n in range(2):
        api.file(customer=f"C-{n}")
    refused = api.post(COMPLAINTS, "app", json=submission(customer="C-3"))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == 60
    assert api.post(COMPLAINTS, "ann", json=submission(customer="C-3")).status_code == 201  # another client
    clock.advance(seconds=61)
    assert api.post(COMPLAINTS, "app", json=submission(customer="C-4")).status_code == 201


def test_the_complaint_shows_owner_customer_deadlines_and_open_tasks(api):
    case = api.file()
    direction = api.task_named("ann", case["id"], "direction")
    api.post(f"{PREFIX}/tasks/{direction['id']}/claim", "ann")

    body = api.get(f"{COMPLAINTS}/{case['id']}", "ann").get_json()
    assert body["owner"] == {"id": api.users["ann"].id, "username": "ann", "display_name": "Ann Lee"}
    assert body["customer"] == {
        "id": "C-001",
        "name": "Zhang San",
        "phone": "13812345678",
        "phone_masked": False,
        "segment": "standard",
    }
    assert (body["tier"], body["priority"], body["category"], body["amount"]) == (
        "general",
        "P3",
        "fee_dispute",
        "120.00",
    )
    assert body["deadlines"]["regulatory_due_at"] == "2026-03-17T01:00:00+00:00"
    assert body["deadlines"]["regulatory_breached"] is False
    assert body["deadlines"]["tasks"] == [
        {
            "task_id": direction["id"],
            "name": direction["name"],
            "due_at": "2026-03-02T05:00:00+00:00",
            "overdue": False,
        }
    ]
    assert [(t["id"], t["state"], t["assignee"]["username"]) for t in body["open_tasks"]] == [
        (direction["id"], "claimed", "ann")
    ]


def test_the_phone_is_masked_for_all_but_the_owner_and_supervisors(api):
    case = api.file()
    direction = api.task_named("ann", case["id"], "direction")
    api.post(f"{PREFIX}/tasks/{direction['id']}/claim", "ann")
    phones = {
        who: api.get(f"{COMPLAINTS}/{case['id']}", who).get_json()["customer"]["phone"]
        for who in ("ann", "bob", "sue", "aud")
    }
    assert phones == {"ann": "13812345678", "bob": "138****5678", "sue": "13812345678", "aud": "138****5678"}


def test_the_customer_id_is_masked_with_the_phone(api):
    case = api.file(customer="CUST-4455667788")
    direction = api.task_named("ann", case["id"], "direction")
    api.post(f"{PREFIX}/tasks/{direction['id']}/claim", "ann")
    ids = {
        who: api.get(f"{COMPLAINTS}/{case['id']}", who).get_json()["customer"]["id"]
        for who in ("ann", "bob", "aud")
    }
    assert ids == {"ann": "CUST-4455667788", "bob": "***********7788", "aud": "***********7788"}


def test_a_web_filings_customer_id_says_nothing_about_the_phone(api, app, session):
    from tests.functional.pages_support import Browser
    from tests.functional.test_pages_customer_intake import NEW, VALID

    assert Browser(app).post(NEW, VALID).status_code == 303
    session.rollback()
    case_id = session.scalar(select(Case.id))
    customer = api.get(f"{COMPLAINTS}/{case_id}", "sue").get_json()["customer"]
    assert customer["id"].startswith("web-") and "5678" not in customer["id"]


def test_agents_see_only_complaints_they_own_or_have_work_in(api):
    case = api.file(description="My card was stolen and money taken", category="card_theft", amount=800)
    general = api.file(customer="C-2")
    for who in ("ann", "otto", "rita", "sue", "aud"):
        assert api.get(f"{COMPLAINTS}/{case['id']}", who).status_code == 200, who
    # Product has no task in either case; a channel account has none anywhere: the case does not exist for them.
    for who in ("pia", "app"):
        response = api.get(f"{COMPLAINTS}/{case['id']}", who)
        assert response.status_code == 404, who
        # The same answer as for a case that does not exist.
        assert response.get_json() == {
            "code": "not_found",
            "message": f"complaint {case['id']} does not exist",
        }
    assert api.get(f"{COMPLAINTS}/{general['id']}", "rita").status_code == 404


def test_the_trace_lists_steps_with_actors_breaches_escalations_and_the_audit_events(api, db, clock, session):
    case = api.file()
    direction = api.claimed("ann", case["id"], "direction")
    clock.advance(hours=5)  # one hour past the 4-hour limit for the handling direction
    sweep(db.session, clock)
    api.post(
        f"{PREFIX}/tasks/{direction['id']}/complete", "ann", json={"data": {"direction": "Refund in 3 days"}}
    )

    assert api.get(f"{COMPLAINTS}/{case['id']}/trace", "ann").status_code == 403
    trace = api.get(f"{COMPLAINTS}/{case['id']}/trace", "aud").get_json()
    assert trace["case"]["reference"] == case["reference"] and trace["case"]["owner"]["username"] == "ann"
    first, second = trace["steps"]
    assert (first["name"], first["lane"], first["actor"], first["breached"]) == (
        direction["name"],
        "frontline",
        "ann",
        True,
    )
    assert (
        first["completed_at"] == "2026-03-02T06:00:00+00:00"
        and first["due_at"] == "2026-03-02T05:00:00+00:00"
    )
    fresh(session)  # the sweep and the requests wrote through other sessions
    assert len(first["escalations"]) == session.scalar(select(func.count()).select_from(Escalation)) >= 1
    assert (second["actor"], second["completed_at"], second["breached"]) == (None, None, False)
    kinds = [e["kind"] for e in trace["events"]]
    assert kinds[0] == "case.started" and "task.completed" in kinds and "timer.fired" in kinds
    assert [e["seq"] for e in trace["events"]] == sorted(e["seq"] for e in trace["events"])
    assert api.get(f"{COMPLAINTS}/987654/trace", "sue").status_code == 404


def test_the_intake_form_is_served_to_channels(api):
    body = api.get(f"{COMPLAINTS}/form", "app").get_json()
    assert body["process"] == "complaint" and "customer" in body["schema"]["properties"]


def test_concurrent_requests_with_one_key_file_one_complaint_and_get_one_answer(api, app, session):
    clients = [app.test_client() for _ in range(4)]
    start_together = threading.Barrier(len(clients))
    answers = []

    def send(client):
        start_together.wait()
        answers.append(
            client.post(
                COMPLAINTS, json=submission(), headers=api.auth("app", **{"Idempotency-Key": "race-1"})
            )
        )

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {a.status_code for a in answers} == {201}
    assert len({json.dumps(a.get_json(), sort_keys=True) for a in answers}) == 1
    assert count_cases(session) == 1
