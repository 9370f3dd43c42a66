"""The agent who files a complaint for a customer, on the phone or at the branch, owns it at once: through the
agent page and through the API alike."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import AuditEvent, Case, WorkItem
from tests.conftest import fresh
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import COMPLAINT, CUSTOMER, PREFIX, start

FORM = {
    "complaint.channel": "branch",
    "complaint.business_type": "bank_card",
    "complaint.category": "fee_dispute",
    "complaint.description": "The annual fee was charged twice",
    "complaint.amount": "200",
    "customer.id": "C-77",
    "customer.name": "Wang Fang",
    "customer.phone": "13812345678",
    "customer.segment": "standard",
}


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def owned(session, case_id):
    fresh(session)
    case = session.get(Case, case_id)
    items = session.scalars(select(WorkItem).where(WorkItem.case_id == case_id)).all()
    return case.owner_id, [(i.spec_id, i.state, i.assignee_id) for i in items]


def test_an_agent_files_at_the_branch_on_the_agent_page_and_owns_the_case(app, api, session):
    ann = Browser(app).as_user(api.users["ann"].id)
    assert "File a complaint for a customer" in ann.get("/agent/").text
    form = ann.get("/agent/complaints/new")
    assert form.status_code == 200 and '<option value="branch"' in form.text
    assert '<option value="web"' not in form.text
    sent = ann.post("/agent/complaints/new", FORM)
    assert sent.status_code == 303
    case_id = int(sent.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    ann_id = api.users["ann"].id
    assert owned(session, case_id) == (ann_id, [("tell_direction", "claimed", ann_id)])
    event = session.scalars(select(AuditEvent).where(AuditEvent.kind == "owner.changed")).one()
    assert (event.actor, event.payload["reason"]) == ("ann", "filed the complaint for the customer")
    assert "You own it." in ann.get(sent.headers["Location"]).text


def test_bad_input_on_the_agent_page_is_refused_by_field_and_nothing_is_filed(app, api, session):
    ann = Browser(app).as_user(api.users["ann"].id)
    page = ann.post(
        "/agent/complaints/new", FORM | {"complaint.channel": "web", "complaint.description": " "}
    )
    assert page.status_code == 422
    assert "An agent files complaints taken on the phone or at the branch." in page.text
    fresh(session)
    assert session.scalars(select(Case)).all() == []


def test_an_agent_filing_by_phone_through_the_api_owns_the_case(api, session):
    answer = api.post(
        f"{PREFIX}/complaints",
        "ann",
        json={"complaint": COMPLAINT | {"channel": "phone"}, "customer": CUSTOMER},
    )
    assert answer.status_code == 201
    ann_id = api.users["ann"].id
    assert owned(session, answer.get_json()["id"]) == (ann_id, [("tell_direction", "claimed", ann_id)])


@pytest.mark.parametrize(("who", "channel"), [("app", "app"), ("ann", "web")])
def test_a_channel_system_or_a_self_service_channel_leaves_the_first_owner_to_the_first_taker(
    api, session, who, channel
):
    answer = api.post(
        f"{PREFIX}/complaints",
        who,
        json={"complaint": COMPLAINT | {"channel": channel}, "customer": CUSTOMER},
    )
    assert answer.status_code == 201
    assert owned(session, answer.get_json()["id"]) == (None, [("tell_direction", "ready", None)])


def test_the_agent_page_reads_in_chinese(app, api):
    page = Browser(app, language="zh-CN").as_user(api.users["ann"].id).get("/agent/complaints/new")
    assert "为客户登记投诉" in page.text
