"""The studio's API for a draft's files and history: add, rename and delete files (checked on every save),
list the revisions (who, when) and restore an earlier one — every response held to the OpenAPI document."""

from __future__ import annotations

import pytest

from tests.functional.test_api_studio import new_draft, text
from tests.functional.test_api_support import PREFIX, start


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def put(api, draft: dict, who: str = "pete", **body):
    return api.client.put(f"{PREFIX}/drafts/{draft['id']}", headers=api.auth(who), json=body)


def test_files_are_added_renamed_and_deleted_with_the_checks_re_run(api, session):
    draft = new_draft(api, session)
    added = put(api, draft, revision=1, files={"notes.schema.json": '{"type": "object"}'})
    assert added.status_code == 200 and added.get_json()["ok"]
    renamed = put(api, draft, revision=2, renamed={"direction.schema.json": "route.schema.json"})
    body = renamed.get_json()
    assert renamed.status_code == 200 and body["ok"]  # the diagram's reference followed the form
    names = [f["name"] for f in body["draft"]["files"]]
    assert "route.schema.json" in names and "direction.schema.json" not in names
    assert 'value="route.schema.json"' in text(api, draft, "general.bpmn")
    deleted = put(api, draft, revision=3, deleted=["notes.schema.json", "triage.dmn"])
    assert deleted.status_code == 200 and not deleted.get_json()["ok"]  # a task still uses the decision
    assert "notes.schema.json" not in [f["name"] for f in deleted.get_json()["draft"]["files"]]
    assert any(p["code"] == "decision.unknown" for p in deleted.get_json()["problems"])


def test_bad_renames_are_refused_with_the_name_and_nothing_changes(api, session):
    draft = new_draft(api, session)
    taken = put(api, draft, revision=1, renamed={"direction.schema.json": "triage.dmn"})
    assert taken.status_code == 422 and "triage.dmn" in taken.get_json()["errors"]
    missing = put(api, draft, revision=1, renamed={"nothing.json": "x.json"})
    assert missing.status_code == 422 and "nothing.json" in missing.get_json()["errors"]
    wrong = put(api, draft, revision=1, renamed=["direction.schema.json"])
    assert wrong.status_code == 422 and "renamed" in wrong.get_json()["errors"]
    assert api.get(f"{PREFIX}/drafts/{draft['id']}", "pete").get_json()["revision"] == 1


def test_the_history_lists_each_save_and_an_earlier_one_is_restored(api, session, clock):
    draft = new_draft(api, session)
    bpmn = text(api, draft, "general.bpmn")
    put(api, draft, "adam", revision=1, files={"general.bpmn": bpmn.replace('"PT4H"', '"PT1H"')})
    history = api.get(f"{PREFIX}/drafts/{draft['id']}/revisions", "pete").get_json()["items"]
    assert [(r["revision"], r["saved_by"], r["action"]) for r in history] == [
        (2, "adam", "saved"),
        (1, "pete", "created"),
    ]
    url = f"{PREFIX}/drafts/{draft['id']}/revisions/1/restore"
    stale = api.post(url, "pete", json={"revision": 1})
    assert stale.status_code == 409
    restored = api.post(url, "pete", json={"revision": 2})
    assert restored.status_code == 200 and restored.get_json()["draft"]["revision"] == 3
    assert text(api, draft, "general.bpmn") == bpmn
    newest = api.get(f"{PREFIX}/drafts/{draft['id']}/revisions", "pete").get_json()["items"][0]
    assert (newest["action"], newest["restored_from"], newest["saved_by"]) == ("restored", 1, "pete")
    unknown = api.post(f"{PREFIX}/drafts/{draft['id']}/revisions/9/restore", "pete", json={"revision": 3})
    assert unknown.status_code == 404
    no_body = api.post(url, "pete", json={})
    assert no_body.status_code == 422
