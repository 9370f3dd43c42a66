"""The studio's API: drafts saved with revisions, checks on save, compare, try, run one case, deploy with a
reason and moving waiting cases — every response held to the OpenAPI document."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.models import AuditEvent, Case, ProcessVersion, WorkItem
from engine.timers import sla
from tests.functional.test_api_support import PREFIX, start

CONDITION = (
    '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">route == "none"</bpmn:conditionExpression>'
)


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def version_id(session, key: str, number: int = 1) -> int:
    session.rollback()  # see what the app's requests committed
    return session.scalar(
        select(ProcessVersion.id).where(ProcessVersion.process_key == key, ProcessVersion.version == number)
    )


def new_draft(api, session, key: str = "general_path") -> dict:
    response = api.post(f"{PREFIX}/drafts", "pete", json={"version_id": version_id(session, key)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def text(api, draft: dict, name: str) -> str:
    return api.get(f"{PREFIX}/drafts/{draft['id']}/files/{name}", "pete").get_json()["content"]


def save(api, draft: dict, revision: int, who: str = "pete", **files):
    body = {"revision": revision, "files": {k.replace("_", "."): v for k, v in files.items()}}
    return api.client.put(f"{PREFIX}/drafts/{draft['id']}", headers=api.auth(who), json=body)


def test_the_version_list_says_who_deployed_what_and_how_many_cases_run_on_it(api, session):
    api.file()
    items = api.get(f"{PREFIX}/studio/versions", "pete").get_json()["items"]
    complaint = next(v for v in items if v["key"] == "complaint")
    assert (complaint["version"], complaint["cases"], complaint["open_cases"]) == (1, 1, 1)
    assert complaint["deployed_by"] == "tests" and len(complaint["sha256"]) == 64
    handlers = api.get(f"{PREFIX}/studio/handlers", "pete").get_json()["items"]
    assert {"name": "amount", "required": True} in next(h for h in handlers if h["name"] == "compensate")[
        "parameters"
    ]


def test_a_save_is_checked_by_the_deploy_validator_and_a_stale_save_is_a_409(api, session):
    draft = new_draft(api, session)
    bpmn = text(api, draft, "general.bpmn")
    saved = save(api, draft, 1, general_bpmn=bpmn.replace(CONDITION, ""))
    assert saved.status_code == 200
    body = saved.get_json()
    assert body["draft"]["revision"] == 2 and not body["ok"]
    assert body["problems"][0]["element"] == "flow_which_route_to_settled"
    stale = save(api, draft, 1, who="adam", general_bpmn=bpmn)
    assert stale.status_code == 409 and stale.get_json()["code"] == "conflict"
    fixed = save(api, draft, 2, general_bpmn=bpmn.replace('"PT4H"', '"PT2H"'))
    assert fixed.get_json()["ok"] and fixed.get_json()["problems"] == []


def test_bad_bodies_get_clear_errors_and_lose_nothing(api, session):
    draft = new_draft(api, session)
    url = f"{PREFIX}/drafts/{draft['id']}"
    not_json = api.client.put(url, headers=api.auth("pete"), data="<xml/>", content_type="text/xml")
    assert not_json.status_code == 400
    wrong = api.client.put(url, headers=api.auth("pete"), json={"revision": 1, "files": {"x.exe": "x"}})
    assert wrong.status_code == 422 and "x.exe" in wrong.get_json()["errors"]
    assert api.get(url, "pete").get_json()["revision"] == 1
    missing = api.get(f"{url}/files/nothing.bpmn", "pete")
    assert missing.status_code == 404


def test_compare_try_and_deploy_a_draft_then_move_the_waiting_cases(api, session, clock, db):
    for customer in ("C-001", "C-002", "C-003"):
        api.file(customer=customer)
    draft = new_draft(api, session)
    bpmn = text(api, draft, "general.bpmn")
    save(api, draft, 1, general_bpmn=bpmn.replace('"PT4H"', '"PT1H"'))

    compared = api.get(f"{PREFIX}/drafts/{draft['id']}/compare", "pete").get_json()
    [change] = compared["elements"]
    assert change["id"] == "tell_direction_deadline" and change["change"] == "changed"

    clock.advance(timedelta(hours=2))
    sla.tick(db.session, clock, {})
    tried = api.post(f"{PREFIX}/drafts/{draft['id']}/try", "pete", json={"limit": 100}).get_json()
    assert tried["counts"]["different"] == 3 and tried["versions"] == ["complaint v1"]
    assert {o["draft_next"]["id"] for o in tried["outcomes"]} == {"tell_direction_deadline"}

    refused = api.post(f"{PREFIX}/drafts/{draft['id']}/deploy", "pete", json={"revision": 2, "reason": ""})
    assert refused.status_code == 422
    deployed = api.post(
        f"{PREFIX}/drafts/{draft['id']}/deploy", "pete", json={"revision": 2, "reason": "1 hour"}
    )
    assert deployed.status_code == 201
    assert sorted(v["key"] for v in deployed.get_json()["deployed"]) == ["complaint", "general_path"]

    body = {
        "from_version": version_id(session, "complaint"),
        "to_version": version_id(session, "complaint", 2),
    }
    dry = api.post(f"{PREFIX}/migrations", "pete", json=body).get_json()
    assert dry["dry_run"] and dry["movable"] == 3
    assert set(session.scalars(select(Case.process_version_id))) == {body["from_version"]}
    moved = api.post(f"{PREFIX}/migrations", "pete", json={**body, "dry_run": False}).get_json()
    assert moved["movable"] == 3 and not moved["dry_run"]
    session.rollback()
    assert set(session.scalars(select(Case.process_version_id))) == {body["to_version"]}
    events = session.scalars(select(AuditEvent.actor).where(AuditEvent.kind == "case.migrated")).all()
    assert events == ["pete"] * 3


def test_running_one_case_through_a_draft(api, session):
    draft = new_draft(api, session, "complaint")
    data = {
        "complaint": {
            "channel": "phone",
            "business_type": "bank_card",
            "category": "fee_dispute",
            "description": "fee twice",
            "amount": 100,
            "received_at": "2026-03-02T01:00:00+00:00",
        },
        "customer": {"id": "C1", "name": "Li", "phone": "13800000000", "segment": "standard"},
    }
    url = f"{PREFIX}/drafts/{draft['id']}/run"
    state = api.post(url, "pete", json={"process": "complaint", "data": data}).get_json()
    assert state["status"] == "waiting" and [t["id"] for t in state["ready"]] == ["tell_direction"]
    steps = [{"task": "tell_direction", "data": {"direction": "we check"}}, {"task": "nothing", "data": {}}]
    state = api.post(url, "pete", json={"process": "complaint", "data": data, "steps": steps}).get_json()
    assert "nothing" in state["refused"]
    bad = api.post(url, "pete", json={"process": "complaint", "data": data, "steps": [{"wait_minutes": -1}]})
    assert bad.status_code == 422


def test_agents_and_auditors_cannot_use_the_studio(api, session):
    assert api.get(f"{PREFIX}/drafts", "ann").status_code == 403
    assert api.get(f"{PREFIX}/drafts", "aud").status_code == 403
    assert session.scalar(select(WorkItem.id).limit(1)) is None
