"""Extending, pausing and resuming a case's regulatory clock through the supervisor's pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.models import AuditEvent, Case, ExtensionRequest, OutboxMessage
from tests.conftest import fresh
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import start


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


@pytest.fixture
def case(api):
    return api.file()


def sue(app, api, language="en") -> Browser:
    return Browser(app, language).as_user(api.users["sue"].id)


def reload(session, case_id) -> Case:
    fresh(session)
    return session.get(Case, case_id)


def test_the_first_extension_needs_a_reason_and_tells_the_customer(app, api, session, case):
    browser = sue(app, api)
    url = f"/supervisor/cases/{case['id']}/regulatory"
    assert "Extend to 30 days (complex case)" in browser.get(url).text

    missing = browser.post(url + "/extend", {"to_days": "30", "reason": "  "})
    assert missing.status_code == 422 and "Give a reason" in missing.text
    done = browser.post(url + "/extend", {"to_days": "30", "reason": "Needs the card network's records"})

    assert done.status_code == 302
    row = reload(session, case["id"])
    assert row.regulatory_days == 30 and row.regulatory_due_at == row.received_at + timedelta(days=30)
    told = session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "regulatory_extension")
    ).all()
    assert {m.channel for m in told} == {"sms", "app_push"}
    page = browser.get(url).text
    assert "The customer has been told by SMS and app." in page
    assert "Needs the card network&#39;s records" in page and "Ask for a further 30 days" in page


def test_a_second_click_on_the_same_form_extends_nothing(app, api, session, case):
    browser = sue(app, api)
    url = f"/supervisor/cases/{case['id']}/regulatory/extend"
    browser.post(url, {"to_days": "30", "reason": "complex"})
    again = browser.post(url, {"to_days": "30", "reason": "complex"})
    assert again.status_code == 302
    assert reload(session, case["id"]).regulatory_days == 30
    assert len(session.scalars(select(AuditEvent).where(AuditEvent.kind == "regulatory.extended")).all()) == 1
    assert "nothing was extended" in browser.get(f"/supervisor/cases/{case['id']}/regulatory").text


def test_the_further_extension_is_asked_for_and_a_senior_manager_decides_it_on_their_page(
    app, api, session, case
):
    browser = sue(app, api)
    url = f"/supervisor/cases/{case['id']}/regulatory"
    browser.post(url + "/extend", {"to_days": "30", "reason": "complex"})
    form = browser.get(url).text
    assert "Ask for a further 30 days" in form and "password" not in form.lower()

    missing = browser.post(url + "/extend", {"to_days": "60", "reason": " "})
    assert missing.status_code == 422 and "Give a reason" in missing.text
    asked = browser.post(url + "/extend", {"to_days": "60", "reason": "Appraisal abroad"})
    assert asked.status_code == 302
    assert reload(session, case["id"]).regulatory_days == 30  # nothing moves until a senior manager decides
    page = browser.get(url).text
    assert "Your request went to the senior managers." in page
    assert "asked on" in page and "Appraisal abroad" in page and "Ask a senior manager" not in page
    [row] = session.scalars(select(ExtensionRequest)).all()

    mine = browser.get("/supervisor/extensions").text  # the supervisor sees her request, and cannot decide it
    assert "Appraisal abroad" in mine and f"/supervisor/extensions/{row.id}/approve" not in mine
    assert browser.post(f"/supervisor/extensions/{row.id}/approve").status_code == 403
    escalations = browser.get("/supervisor/").text
    assert 'href="/supervisor/extensions"' in escalations and "1 waiting" in escalations

    manager = Browser(app).as_user(api.users["max"].id)
    listed = manager.get("/supervisor/extensions").text
    assert f"/supervisor/extensions/{row.id}/approve" in listed and "Appraisal abroad" in listed
    done = manager.post(f"/supervisor/extensions/{row.id}/approve", {"note": "Agreed"})
    assert done.status_code == 302
    changed = reload(session, case["id"])
    assert changed.regulatory_days == 60 and changed.regulatory_due_at == changed.received_at + timedelta(
        days=60
    )
    assert "Extension approved" in manager.get("/supervisor/extensions").text
    told = session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "regulatory_extension")
    ).all()
    assert {(m.channel, m.payload["days"]) for m in told} >= {("sms", 60), ("app_push", 60)}
    history = browser.get(url).text
    assert "Further extension asked for" in history and "Further extension approved" in history
    assert "approved by max" in history and "Every extension the regulation allows has been used." in history
    notices = browser.get("/agent/notices").text
    assert "max approved your further extension: the decision is due in 60 days." in notices


def test_a_rejection_needs_a_note_and_the_requester_is_told(app, api, session, case):
    browser = sue(app, api)
    url = f"/supervisor/cases/{case['id']}/regulatory/extend"
    browser.post(url, {"to_days": "30", "reason": "complex"})
    browser.post(url, {"to_days": "60", "reason": "Appraisal abroad"})
    [row] = session.scalars(select(ExtensionRequest)).all()
    manager = Browser(app).as_user(api.users["max"].id)
    assert (
        "sue asks for a further 30 days on the regulatory deadline: Appraisal abroad"
        in manager.get("/agent/notices").text
    )
    silent = manager.post(f"/supervisor/extensions/{row.id}/reject", {"note": ""})
    assert silent.status_code == 422 and "Say why you refuse the extension." in silent.text
    manager.post(f"/supervisor/extensions/{row.id}/reject", {"note": "Decide on what we have"})
    fresh(session)
    assert session.get(ExtensionRequest, row.id).status == "rejected"
    assert reload(session, case["id"]).regulatory_days == 30
    assert "max rejected your further extension: Decide on what we have" in browser.get("/agent/notices").text
    assert manager.post("/supervisor/extensions/999999/approve").status_code == 404


def test_pausing_for_appraisal_and_resuming_moves_the_deadline_by_the_paused_time(
    app, api, session, case, clock
):
    browser = sue(app, api)
    url = f"/supervisor/cases/{case['id']}/regulatory"
    due = reload(session, case["id"]).regulatory_due_at

    assert browser.post(url + "/pause", {"pause_reason": ""}).status_code == 422
    assert browser.post(url + "/resume").status_code == 302  # not paused: said, nothing done
    assert "it is not paused" in browser.get(url).text
    browser.post(url + "/pause", {"pause_reason": "Forensic check of the card by the network"})
    assert reload(session, case["id"]).regulatory_paused_since is not None
    assert "Paused since" in browser.get(url).text
    clock.advance(days=3)
    browser.post(url + "/resume")

    row = reload(session, case["id"])
    assert row.regulatory_paused_since is None and row.regulatory_due_at == due + timedelta(days=3)


def test_a_decided_case_cannot_be_extended(app, api, session, case):
    row = reload(session, case["id"])
    row.decided_at = row.received_at + timedelta(days=2)
    session.commit()
    browser = sue(app, api)
    url = f"/supervisor/cases/{case['id']}/regulatory"
    assert "its regulatory clock has stopped" in browser.get(url).text
    answer = browser.post(url + "/extend", {"to_days": "30", "reason": "late"})
    assert answer.status_code == 302 and reload(session, case["id"]).regulatory_days == 15
    assert browser.get("/supervisor/cases/999999/regulatory").status_code == 404


def test_the_regulatory_page_reads_in_chinese(app, api, case):
    page = sue(app, api, "zh_CN").get(f"/supervisor/cases/{case['id']}/regulatory")
    assert "监管时限" in page.text and "延长至 30 日（复杂案件）" in page.text


def test_senior_managers_read_that_a_deadline_passed_with_a_request_waiting(
    app, api, session, case, db, clock
):
    from engine.cases import regulatory

    browser = sue(app, api)
    url = f"/supervisor/cases/{case['id']}/regulatory/extend"
    browser.post(url, {"to_days": "30", "reason": "complex"})
    browser.post(url, {"to_days": "60", "reason": "Appraisal abroad"})
    clock.set(reload(session, case["id"]).regulatory_due_at + timedelta(minutes=1))
    while regulatory.sweep(db.session, clock, {}):
        pass
    manager = Browser(app).as_user(api.users["max"].id)
    notices = manager.get("/agent/notices").text
    assert "passed with a further extension still waiting; it can only be rejected now." in notices
    listed = manager.get("/supervisor/extensions").text
    assert "The deadline has passed: this request can only be rejected." in listed
    assert "Approve and tell the customer" not in listed and "Reject" in listed
    assert "passed with a further extension still waiting" not in browser.get("/agent/notices").text
