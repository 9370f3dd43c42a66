"""Duties separated on the regulatory clock: the further extension (30 -> 60 days) is a request that a senior
manager other than the requester approves or rejects, each step an audit event, the customer told on approval,
and a request still pending at the deadline can only be rejected (the senior managers are told)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.cases import extension_requests, regulatory
from engine.errors import Conflict, Forbidden, InvalidState, ValidationFailed
from engine.messaging import staff_notices
from engine.models import AuditEvent, Case, ExtensionRequest, OutboxMessage
from tests.conftest import fresh
from tests.unit.test_complaint_paths import file


@pytest.fixture
def case(engine, people):
    filed = file(engine, "Annual fee charged twice", "fee_dispute", amount=100).case
    regulatory.extend(engine, filed.id, actor=people["sue"], reason="Needs the card scheme's records")
    return filed


def kinds(session, case_id):
    fresh(session)
    return [
        e.kind
        for e in session.scalars(
            select(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.kind.like("regulatory.%"))
            .order_by(AuditEvent.seq)
        )
    ]


def messages(session, template):
    fresh(session)
    return session.scalars(select(OutboxMessage).where(OutboxMessage.template == template)).all()


def test_a_supervisor_asks_and_the_senior_managers_are_told(engine, session, people, case):
    row = extension_requests.request(engine, case.id, actor=people["sue"], reason="Court order awaited")
    assert (row.status, row.requested_by_id, row.reason) == (
        "pending",
        people["sue"].id,
        "Court order awaited",
    )
    assert session.get(Case, case.id).regulatory_days == 30  # nothing moves until a senior manager decides
    assert kinds(session, case.id)[-1] == "regulatory.extension_requested"
    [notice] = messages(session, "extension_requested")
    assert (notice.channel, notice.recipient) == ("inbox", "role:senior_manager")
    assert "role:senior_manager" in staff_notices.addresses(people["max"])
    assert "role:senior_manager" not in staff_notices.addresses(people["sue"])
    with pytest.raises(Conflict):  # one pending request per case
        extension_requests.request(engine, case.id, actor=people["sam"], reason="again")


def test_only_a_supervisor_asks_with_a_reason_and_only_from_30_days(engine, session, people):
    fresh_case = file(engine, "Annual fee charged twice", "fee_dispute", amount=100).case
    with pytest.raises(Conflict):  # 15 -> 30 is the supervisor's own step, not a request
        extension_requests.request(engine, fresh_case.id, actor=people["sue"], reason="complex")
    regulatory.extend(engine, fresh_case.id, actor=people["sue"], reason="complex")
    with pytest.raises(Forbidden):
        extension_requests.request(engine, fresh_case.id, actor=people["ann"], reason="complex")
    with pytest.raises(ValidationFailed):
        extension_requests.request(engine, fresh_case.id, actor=people["sue"], reason="  ")


def test_a_senior_manager_other_than_the_requester_approves_and_the_customer_is_told(
    engine, session, people, case, clock
):
    row = extension_requests.request(engine, case.id, actor=people["sue"], reason="Court order awaited")
    for who in ("sue", "sam", "dora"):  # the requester, a supervisor, a department head: none decides
        with pytest.raises(Forbidden):
            extension_requests.approve(engine, row.id, actor=people[who])
    extension_requests.approve(engine, row.id, actor=people["max"], note="Agreed")
    fresh(session)
    decided = session.get(ExtensionRequest, row.id)
    assert (decided.status, decided.decided_by_id, decided.decision_note) == (
        "approved",
        people["max"].id,
        "Agreed",
    )
    changed = session.get(Case, case.id)
    assert changed.regulatory_days == 60
    assert changed.regulatory_due_at == changed.received_at + timedelta(days=60)
    assert kinds(session, case.id)[-2:] == ["regulatory.extension_approved", "regulatory.extended"]
    told = {(m.channel, m.recipient, m.payload["days"]) for m in messages(session, "regulatory_extension")}
    assert {(c, d) for c, _, d in told if d == 60} == {("sms", 60), ("app_push", 60)}
    [back] = messages(session, "extension_decided")
    assert (back.recipient, back.payload["status"]) == (f"user:{people['sue'].id}", "approved")
    with pytest.raises(Conflict):  # decided once
        extension_requests.reject(engine, row.id, actor=people["max"], note="changed my mind")


def test_a_senior_manager_who_asked_cannot_decide_their_own_request(engine, people, case):
    row = extension_requests.request(engine, case.id, actor=people["max"], reason="Court order awaited")
    with pytest.raises(Forbidden):
        extension_requests.approve(engine, row.id, actor=people["max"])


def test_an_inactive_senior_manager_decides_nothing(engine, session, people, case):
    row = extension_requests.request(engine, case.id, actor=people["sue"], reason="Court order awaited")
    people["max"].active = False
    session.commit()
    with pytest.raises(Forbidden):
        extension_requests.approve(engine, row.id, actor=people["max"])


def test_a_rejection_says_why_and_leaves_the_deadline(engine, session, people, case):
    row = extension_requests.request(engine, case.id, actor=people["sue"], reason="Court order awaited")
    with pytest.raises(ValidationFailed):
        extension_requests.reject(engine, row.id, actor=people["max"], note=" ")
    extension_requests.reject(engine, row.id, actor=people["max"], note="Decide on what we have")
    fresh(session)
    assert session.get(ExtensionRequest, row.id).status == "rejected"
    assert session.get(Case, case.id).regulatory_days == 30
    assert kinds(session, case.id)[-1] == "regulatory.extension_rejected"
    assert not [m for m in messages(session, "regulatory_extension") if m.payload["days"] == 60]
    [back] = messages(session, "extension_decided")
    assert back.payload["status"] == "rejected" and back.payload["note"] == "Decide on what we have"
    again = extension_requests.request(engine, case.id, actor=people["sue"], reason="New facts")
    assert again.status == "pending"  # a new request after a rejection


def test_a_request_pending_at_the_deadline_can_only_be_rejected_and_senior_managers_are_told(
    engine, session, people, case, db, clock
):
    row = extension_requests.request(engine, case.id, actor=people["sue"], reason="Court order awaited")
    session.commit()
    clock.set(session.get(Case, case.id).regulatory_due_at + timedelta(seconds=1))
    regulatory.sweep(db.session, clock, {}, limit=1000)
    while regulatory.sweep(db.session, clock, {}, limit=1000):
        pass
    [overdue] = messages(session, "extension_request_overdue")
    assert (overdue.recipient, overdue.payload["request"]) == ("role:senior_manager", row.id)
    with pytest.raises(InvalidState):
        extension_requests.approve(engine, row.id, actor=people["max"])
    assert session.get(Case, case.id).regulatory_days == 30
    extension_requests.reject(engine, row.id, actor=people["max"], note="Too late to extend")
    fresh(session)
    assert session.get(ExtensionRequest, row.id).status == "rejected"
    rejected = [
        e
        for e in session.scalars(select(AuditEvent).where(AuditEvent.kind == "regulatory.extension_rejected"))
    ]
    assert rejected[-1].payload["after_deadline"] is True
