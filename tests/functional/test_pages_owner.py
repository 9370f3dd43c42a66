"""The studio's pages through the test client: home, editor, compare, try, run one case, deploy, move cases,
the form preview and the download."""

from __future__ import annotations

import html
import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.models import Case, Draft, ProcessVersion
from engine.studio import drafts
from engine.timers import sla
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import start
from tests.paths import PROCESSES


@pytest.fixture
def owner(app, session, clock):
    api = start(app, session, clock)
    for customer in ("C-101", "C-102"):
        api.file(customer=customer)
    browser = Browser(app).as_user(api.users["pete"].id)
    return browser


def general_version(session) -> ProcessVersion:
    session.rollback()
    return session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == "general_path"))


def open_draft(owner, session) -> Draft:
    response = owner.post("/owner/drafts", {"version_id": general_version(session).id})
    assert response.status_code == 302
    session.rollback()
    return session.scalar(select(Draft).order_by(Draft.id.desc()))


def edit(session, clock, draft: Draft, old: bytes, new: bytes) -> None:
    files = dict(drafts.files_of(drafts.get(session, draft.id, with_content=True)))
    drafts.save(
        session,
        clock,
        draft.id,
        revision=draft.revision,
        files={"general.bpmn": files["general.bpmn"].replace(old, new)},
        actor="pete",
    )


def test_home_lists_versions_with_cases_and_the_studio_is_in_the_navigation(owner):
    page = owner.get("/owner/").text
    assert "complaint" in page and "general_path" in page and 'href="/owner/"' in page
    assert "Open as a draft" in page
    assert page.count("current") >= 5


def test_the_editor_page_carries_what_its_script_needs_and_the_studio_policy(owner, session):
    draft = open_draft(owner, session)
    response = owner.get(f"/owner/drafts/{draft.id}")
    assert response.status_code == 200
    assert 'data-file="general.bpmn"' in response.text and "build/studio-editor.js" in response.text
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src-attr 'unsafe-inline'" in policy
    assert (
        "unsafe-inline"
        not in owner.get("/owner/").headers["Content-Security-Policy"].split("style-src-attr")[0]
    )
    assert "style-src-attr" not in owner.get("/agent/").headers.get("Content-Security-Policy", "")


def test_compare_lists_the_changed_deadline(owner, session, clock):
    draft = open_draft(owner, session)
    edit(session, clock, draft, b'"PT4H"', b'"PT1H"')
    page = owner.get(f"/owner/drafts/{draft.id}/compare").text
    assert "tell_direction_deadline" in page and "PT1H" in page and 'data-change="changed"' in page


def test_try_shows_the_cases_a_shorter_deadline_routes_differently(owner, session, clock, db):
    draft = open_draft(owner, session)
    edit(session, clock, draft, b'"PT4H"', b'"PT1H"')
    clock.advance(timedelta(hours=2))
    sla.tick(db.session, clock, {})
    page = owner.post(f"/owner/drafts/{draft.id}/try", {"since": "2026-01-01", "limit": "100"}).text
    assert page.count('data-result="different"') == 2 and "tell_direction_deadline" in page
    bad = owner.post(f"/owner/drafts/{draft.id}/try", {"since": "yesterday", "limit": "0"})
    assert bad.status_code == 422 and "Enter a date" in bad.text


def test_try_says_which_deadline_moved_in_the_pages_language_and_the_banks_time(owner, session, clock):
    draft = open_draft(owner, session)
    edit(session, clock, draft, b'"PT4H"', b'"PT1H"')
    # Nothing has fired yet: the same path, the direction due three hours earlier (shown in UTC+8).
    for language, same in (("en", "same path"), ("zh-CN", "路径相同")):
        owner.headers["Accept-Language"] = language
        page = owner.post(f"/owner/drafts/{draft.id}/try", {"since": "2026-01-01", "limit": "100"}).text
        outcomes = html.unescape(page.split('id="outcomes"')[1])
        assert outcomes.count("tell_direction_deadline: 2026-03-02 13:00 → 2026-03-02 10:00") == 2, outcomes
        assert "UTC" not in outcomes and outcomes.count(same) >= 2


def test_run_one_case_steps_through_the_draft(owner, session):
    draft = open_draft(owner, session)
    first = owner.post(f"/owner/drafts/{draft.id}/run", {"process": "complaint", "action": "start"})
    assert 'data-task="tell_direction"' in first.text
    steps = owner.post(
        f"/owner/drafts/{draft.id}/run",
        {"process": "complaint", "action": "task:tell_direction", "task_data": '{"direction": "we check"}'},
    )
    assert 'data-task="propose_settlement"' in steps.text
    broken = owner.post(f"/owner/drafts/{draft.id}/run", {"intake": "{not json", "action": "start"})
    assert broken.status_code == 422 and "Not valid JSON" in broken.text


def test_deploy_needs_a_reason_then_waiting_cases_move_after_a_dry_run(owner, session, clock):
    draft = open_draft(owner, session)
    edit(session, clock, draft, b'"PT4H"', b'"PT2H"')
    refused = owner.post(f"/owner/drafts/{draft.id}/deploy", {"revision": "2", "reason": ""})
    assert refused.status_code == 422
    deployed = owner.post(f"/owner/drafts/{draft.id}/deploy", {"revision": "2", "reason": "two hours"})
    assert deployed.status_code == 302
    session.rollback()
    v1, v2 = session.scalars(
        select(ProcessVersion.id)
        .where(ProcessVersion.process_key == "complaint")
        .order_by(ProcessVersion.version)
    ).all()
    dry = owner.post(f"/owner/versions/{v1}/migrate", {"to_version": str(v2), "action": "dry_run"})
    assert dry.text.count('data-movable="true"') == 2
    session.rollback()
    ids = session.scalars(select(Case.id)).all()
    moved = owner.post(
        f"/owner/versions/{v1}/migrate",
        {"to_version": str(v2), "action": "move", "case": [str(i) for i in ids]},
    )
    assert moved.status_code == 200 and "2 of 2 case(s) moved" in moved.text
    session.rollback()
    assert set(session.scalars(select(Case.process_version_id))) == {v2}


def test_the_form_preview_draws_the_schema_as_the_task_page_does(owner):
    schema = json.dumps(
        {
            "type": "object",
            "title": "Direction 处理方向",
            "properties": {"direction": {"type": "string", "title": "Direction 方向"}},
            "required": ["direction"],
        }
    )
    owner.get("/owner/")  # the page the preview is asked from gives the CSRF token
    headers = {**owner.headers, "X-CSRFToken": owner._token}
    preview = owner.client.post(
        "/owner/form-preview", data=schema, headers=headers, content_type="application/json"
    )
    assert preview.status_code == 200
    assert 'name="direction"' in preview.text and "<h3>Direction</h3>" in preview.text
    broken = owner.client.post(
        "/owner/form-preview", data="{", headers=headers, content_type="application/json"
    )
    assert "not valid JSON" in broken.text


def test_the_form_preview_draws_each_variant_under_the_tier_that_asks_it(owner):
    schema = json.loads((PROCESSES / "forms" / "survey.schema.json").read_text(encoding="utf-8"))
    owner.get("/owner/")
    headers = {**owner.headers, "X-CSRFToken": owner._token}
    preview = owner.client.post(
        "/owner/form-preview", data=json.dumps(schema), headers=headers, content_type="application/json"
    ).text
    base = preview[: preview.index('id="variant-urgent"')]
    assert 'name="satisfaction"' in base and 'name="really_solved"' not in base
    for tier, field in (
        ("urgent", "really_solved"),
        ("general", "other_needs"),
        ("advisory", "advice_worked"),
    ):
        part = preview[preview.index(f'id="variant-{tier}"') :]
        assert f'name="{field}"' in part.split("</fieldset>")[0], tier
    assert "Asked only when the tier is Urgent" in preview
    zh = owner.client.post(
        "/owner/form-preview",
        data=json.dumps(schema),
        headers={**headers, "Accept-Language": "zh-CN"},
        content_type="application/json",
    ).text
    assert "仅在级别为" in zh


def test_download_is_the_drafts_files_as_a_zip(owner, session):
    draft = open_draft(owner, session)
    response = owner.client.get(f"/owner/drafts/{draft.id}/download")
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as bundle:
        assert "general.bpmn" in bundle.namelist()
