"""Extending, pausing and resuming a case's regulatory clock through the supervisor's pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.models import AuditEvent, Case, OutboxMessage
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
    assert "Needs the card network&#39;s records" in page and "Extend by a further 30 days" in page


def test_a_second_click_on_the_same_form_extends_nothing(app, api, session, case):
    browser = sue(app, api)
    url = f"/supervisor/cases/{case['id']}/regulatory/extend"
    browser.post(url, {"to_days": "30", "reason": "complex"})
    again = browser.post(url, {"to_days": "30", "reason": "complex"})
    assert again.status_code == 302
    assert reload(session, case["id"]).regulatory_days == 30
    assert len(session.scalars(select(AuditEvent).where(AuditEvent.kind == "regulatory.extended")).all()) == 1
    assert "nothing was extended" in browser.get(f"/supervisor/cases/{case['id']}/regulatory").text


def test_the_further_extension_needs_another_manager_who_confirms_with_their_password(
    app, api, session, case, make_user
):
    sam = make_user("sam", "senior_manager", ("supervisor",), password="sam's password")
    browser = sue(app, api)
    url = f"/supervisor/cases/{case['id']}/regulatory/extend"
    browser.post(url, {"to_days": "30", "reason": "complex"})

    alone = browser.post(url, {"to_days": "60", "reason": "appraisal abroad"})
    assert alone.status_code == 422 and "Choose a person." in alone.text
    herself = browser.post(
        url, {"to_days": "60", "reason": "r", "approver": str(api.users["sue"].id), "approver_password": "x"}
    )
    assert herself.status_code == 422 and "Choose one of the people listed." in herself.text
    wrong = browser.post(
        url, {"to_days": "60", "reason": "r", "approver": str(sam.id), "approver_password": "guess"}
    )
    assert wrong.status_code == 422 and "not the approving manager&#39;s password" in wrong.text
    assert reload(session, case["id"]).regulatory_days == 30
    [refusal] = session.scalars(
        select(AuditEvent).where(AuditEvent.kind == "regulatory.approval_refused")
    ).all()
    assert refusal.payload["approver"] == "sam" and refusal.actor == "sue"

    done = browser.post(
        url,
        {
            "to_days": "60",
            "reason": "appraisal abroad",
            "approver": str(sam.id),
            "approver_password": "sam's password",
        },
    )
    assert done.status_code == 302
    assert reload(session, case["id"]).regulatory_days == 60
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.payload["days"].as_integer() == 60)).all()
    assert event.kind == "regulatory.extended" and event.payload["approved_by"] == "sam"
    assert (
        "Every extension the regulation allows has been used."
        in browser.get(f"/supervisor/cases/{case['id']}/regulatory").text
    )


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
