"""Who a public filing claims to be: recorded, never applied to a customer record until the case's owner or a
supervisor confirms it; every change to a customer record is an audit event."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from engine.cases import identity
from engine.cases.engine import CaseEngine
from engine.errors import Forbidden, InvalidState, ValidationFailed
from engine.models import AuditEvent, Case, Customer, IdentityClaim
from tests.conftest import fresh
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import PREFIX, start, submission
from tests.functional.test_pages_customer_intake import NEW, VALID


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def events(session, kind: str) -> list[AuditEvent]:
    fresh(session)
    return list(session.scalars(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.seq)))


def web_case(app, session, **changes) -> Case:
    assert Browser(app).post(NEW, {**VALID, **changes}).status_code == 303
    fresh(session)
    return session.scalars(select(Case).where(Case.channel == "web").order_by(Case.id.desc())).first()


def owned_by(api, session, case: Case, who: str = "ann") -> None:
    """``who`` takes the case's first frontline task and so becomes its owner."""
    [task] = [t for t in api.tasks(who, case_id=case.id) if t["lane"] == "frontline"]
    assert api.post(f"{PREFIX}/tasks/{task['id']}/claim", who).status_code == 200
    fresh(session)


def test_a_trusted_channel_changing_a_customer_record_is_audited_with_the_phone_masked(api, session):
    api.file(customer="C-001")
    [created] = events(session, "customer.created")
    assert created.payload["external_id"] == "C-001" and created.payload["phone"] == "138****5678"
    again = submission(customer="C-001", description="The teller was rude to me", category="service_attitude")
    again["customer"].update(name="Zhang San (new name)", phone="13900001111")
    assert api.post(f"{PREFIX}/complaints", "app", json=again).status_code == 201
    [updated] = events(session, "customer.updated")
    assert updated.payload["name"] == {"from": "Zhang San", "to": "Zhang San (new name)"}
    assert updated.payload["phone"] == {"from": "138****5678", "to": "139****1111"}
    assert "segment" not in updated.payload  # only what changed


def test_the_owner_confirms_a_claim_and_the_case_moves_to_the_customer_on_record(api, app, session, clock):
    api.file(customer="C-001")  # Zhang San, 13812345678, on record
    case = web_case(app, session)
    owned_by(api, session, case)
    claim = identity.claim_of(session, case.id)
    [on_record] = identity.on_record(session, claim)
    assert on_record.external_id == "C-001"

    decision = identity.decide_claim(
        CaseEngine(session, clock),
        case.id,
        api.users["ann"],
        confirm=True,
        customer_id=on_record.id,
        reason="called back",
    )
    fresh(session)
    assert decision.claim.status == "confirmed" and decision.customer.id == on_record.id
    assert session.get(Case, case.id).customer_id == on_record.id
    [confirmed] = events(session, "customer.identity_confirmed")
    assert confirmed.actor == "ann" and confirmed.payload["reason"] == "called back"
    [moved] = events(session, "case.customer_changed")
    assert moved.payload["customer"] == on_record.id and moved.case_id == case.id
    with pytest.raises(InvalidState):
        identity.decide_claim(CaseEngine(session, clock), case.id, api.users["ann"], confirm=False)


def test_a_rejected_claim_leaves_the_case_with_its_provisional_customer(api, app, session, clock):
    api.file(customer="C-001")
    case = web_case(app, session, **{"customer.name": "Somebody Else"})
    provisional = case.customer_id
    identity.decide_claim(
        CaseEngine(session, clock), case.id, api.users["sue"], confirm=False, reason="not her"
    )
    fresh(session)
    assert session.get(Case, case.id).customer_id == provisional
    assert session.scalars(select(IdentityClaim)).one().status == "rejected"
    assert session.scalars(select(Customer).where(Customer.external_id == "C-001")).one().name == "Zhang San"
    assert [e.payload["by"] for e in events(session, "customer.identity_rejected")] == ["sue"]


def test_only_the_owner_or_a_supervisor_decides_and_only_a_customer_with_that_number(
    api, app, session, clock
):
    api.file(customer="C-001")
    api.file(customer="C-OTHER", description="Some other complaint about my statement")
    other = session.scalars(select(Customer).where(Customer.external_id == "C-OTHER")).one()
    other.phone = "13900000000"
    session.commit()
    case = web_case(app, session)
    engine = CaseEngine(session, clock)
    for who in ("bob", "aud", "pete"):  # not the owner (nobody owns it yet), not a supervisor
        with pytest.raises(Forbidden):
            identity.decide_claim(engine, case.id, api.users[who], confirm=True)
    with pytest.raises(ValidationFailed):
        identity.decide_claim(engine, case.id, api.users["sue"], confirm=True, customer_id=other.id)
    fresh(session)
    assert identity.claim_of(session, case.id).status == "claimed"  # nothing half-done
    assert events(session, "customer.identity_confirmed") == []


# ------------------------------------------------------------------ on the case page


def case_page(app, api, who: str, case: Case) -> tuple[Browser, str]:
    browser = Browser(app).as_user(api.users[who].id)
    page = browser.get(f"/agent/cases/{case.id}")
    assert page.status_code == 200
    return browser, page.text


def test_the_owner_confirms_on_the_case_page_choosing_the_customer_on_record(api, app, session):
    api.file(customer="C-001")
    case = web_case(app, session, **{"customer.name": "Zhang S."})
    owned_by(api, session, case)
    browser, text = case_page(app, api, "ann", case)
    assert "Claimed identity" in text and "Zhang S." in text and "138****5678" in text
    assert "13812345678" not in text  # the number stays masked on the page
    on_record = session.scalars(select(Customer).where(Customer.external_id == "C-001")).one()
    sent = browser.post(
        f"/agent/cases/{case.id}/identity", {"decision": "confirm", "customer_id": str(on_record.id)}
    )
    assert sent.status_code == 302
    fresh(session)
    assert session.get(Case, case.id).customer_id == on_record.id
    after = html.unescape(browser.get(f"/agent/cases/{case.id}").text)
    assert "The customer's identity is confirmed." in after
    assert "Confirmed by ann." in after and 'name="decision"' not in after


def test_another_agent_sees_the_claim_but_cannot_decide_it(api, app, session):
    case = web_case(app, session)
    owned_by(api, session, case)
    browser, text = case_page(app, api, "bob", case)
    assert "Waiting for the case's owner or a supervisor" in html.unescape(text)
    assert 'name="decision"' not in text
    assert browser.post(f"/agent/cases/{case.id}/identity", {"decision": "reject"}).status_code == 403
    fresh(session)
    assert identity.claim_of(session, case.id).status == "claimed"


def test_a_supervisor_rejects_on_the_case_page_and_a_bad_form_changes_nothing(api, app, session):
    case = web_case(app, session)
    browser, _ = case_page(app, api, "sue", case)
    assert browser.post(f"/agent/cases/{case.id}/identity", {"decision": "maybe"}).status_code == 302
    assert (
        browser.post(
            f"/agent/cases/{case.id}/identity", {"decision": "confirm", "customer_id": "x"}
        ).status_code
        == 302
    )
    fresh(session)
    assert identity.claim_of(session, case.id).status == "claimed"
    browser.post(f"/agent/cases/{case.id}/identity", {"decision": "reject", "reason": "wrong person"})
    fresh(session)
    assert identity.claim_of(session, case.id).status == "rejected"
    assert "Rejected by sue." in case_page(app, api, "sue", case)[1]
