"""The re-triage page: the owner or a supervisor corrects tier, category and priority with a reason; others
cannot; bad input is refused by field and nothing changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import AuditEvent, Case
from tests.conftest import fresh
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import PREFIX, start


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


@pytest.fixture
def owned(api):
    """A fee dispute ann owns (she told the customer the direction)."""
    case = api.file(description="A payment I do not recognise", amount=3000)
    direction = api.claimed("ann", case["id"], "direction")
    api.post(f"{PREFIX}/tasks/{direction['id']}/complete", "ann", json={"data": {"direction": "We check it"}})
    return case


def test_a_supervisor_moves_a_case_to_the_urgent_path_from_the_page(app, api, session, owned):
    sue = Browser(app).as_user(api.users["sue"].id)
    workspace = sue.get(f"/agent/cases/{owned['id']}")
    assert 'id="retriage"' in workspace.text
    form = sue.get(f"/agent/cases/{owned['id']}/triage")
    assert form.status_code == 200 and '<option value="general" selected' in form.text
    sent = sue.post(
        f"/agent/cases/{owned['id']}/triage",
        {
            "tier": "urgent",
            "category": "abnormal_transaction",
            "priority": "P1",
            "reason": "Not the customer's",
        },
    )
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"/agent/cases/{owned['id']}")
    fresh(session)
    case = session.get(Case, owned["id"])
    assert (case.tier, case.category, case.priority) == ("urgent", "abnormal_transaction", "P1")
    assert "contact" in " ".join(t["name"].lower() for t in api.tasks("ann", case_id=owned["id"]))
    assert session.scalars(select(AuditEvent).where(AuditEvent.kind == "case.retriaged")).one().actor == "sue"


def test_the_owner_may_correct_and_another_agent_may_not(app, api, owned):
    assert (
        Browser(app).as_user(api.users["ann"].id).get(f"/agent/cases/{owned['id']}/triage").status_code == 200
    )
    bob = Browser(app).as_user(api.users["bob"].id)
    assert bob.get(f"/agent/cases/{owned['id']}/triage").status_code == 403


def test_a_correction_without_a_reason_or_with_a_made_up_tier_changes_nothing(app, api, session, owned):
    ann = Browser(app).as_user(api.users["ann"].id)
    page = ann.post(
        f"/agent/cases/{owned['id']}/triage",
        {"tier": "platinum", "category": "fee_dispute", "priority": "P2", "reason": " "},
    )
    assert page.status_code == 422
    assert "Say why the triage is corrected." in page.text and "Choose a tier" in page.text
    fresh(session)
    assert session.get(Case, owned["id"]).tier == "general"
    assert not session.scalars(select(AuditEvent).where(AuditEvent.kind == "case.retriaged")).all()


def test_the_page_reads_in_chinese(app, api, owned):
    page = (
        Browser(app, language="zh-CN").as_user(api.users["ann"].id).get(f"/agent/cases/{owned['id']}/triage")
    )
    assert "更正案件" in page.text
