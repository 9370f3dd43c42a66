"""The editor's file forms (add, rename, delete) and the history page (list, restore) through the test client:
each change a save on the revision the page showed, refused with a message when that revision is stale."""

from __future__ import annotations

from sqlalchemy import select

from engine.models import Draft
from engine.studio import drafts
from tests.functional.test_pages_owner import open_draft, owner  # noqa: F401  (the fixture)


def files(session, draft_id: int) -> dict[str, bytes]:
    session.rollback()
    return dict(drafts.files_of(drafts.get(session, draft_id, with_content=True)))


def revision(session, draft_id: int) -> int:
    session.rollback()
    return session.scalar(select(Draft.revision).where(Draft.id == draft_id))


def test_a_new_form_is_added_and_opened_in_the_editor(owner, session):  # noqa: F811
    draft = open_draft(owner, session)
    page = owner.get(f"/owner/drafts/{draft.id}").text
    assert 'id="add-file"' in page and "Files: add, rename, delete" in page
    added = owner.post(f"/owner/drafts/{draft.id}/files", {"name": "notes", "kind": "form", "revision": 1})
    assert added.status_code == 302 and "file=notes.json" in added.headers["Location"]
    assert b'"type": "object"' in files(session, draft.id)["notes.json"]
    again = owner.post(
        f"/owner/drafts/{draft.id}/files", {"name": "notes.json", "kind": "form", "revision": 2}
    )
    assert "file=" not in again.headers["Location"]
    assert "a file of this name exists already" in owner.get(again.headers["Location"]).text
    assert revision(session, draft.id) == 2


def test_a_file_is_renamed_and_deleted_from_the_editor(owner, session):  # noqa: F811
    draft = open_draft(owner, session)
    url = f"/owner/drafts/{draft.id}/files"
    renamed = owner.post(
        url + "/rename", {"name": "direction.schema.json", "new_name": "route.schema.json", "revision": 1}
    )
    assert "file=route.schema.json" in renamed.headers["Location"]
    page = owner.get(renamed.headers["Location"]).text
    assert "Renamed direction.schema.json to route.schema.json; the tasks that used this form" in page
    assert "route.schema.json" in files(session, draft.id)
    deleted = owner.post(url + "/delete", {"name": "triage.dmn", "revision": 2})
    assert deleted.status_code == 302
    assert "triage.dmn" not in files(session, draft.id)
    bad = owner.post(url + "/rename", {"name": "general.bpmn", "new_name": "../x.bpmn", "revision": 3})
    assert "must be a plain file name" in owner.get(bad.headers["Location"]).text
    assert "general.bpmn" in files(session, draft.id)


def test_a_stale_page_cannot_overwrite_a_newer_save(owner, session):  # noqa: F811
    draft = open_draft(owner, session)
    owner.post(f"/owner/drafts/{draft.id}/files", {"name": "notes", "kind": "form", "revision": 1})
    stale = owner.post(f"/owner/drafts/{draft.id}/files/delete", {"name": "notes.json", "revision": 1})
    assert "Someone else saved this draft first" in owner.get(stale.headers["Location"]).text
    assert "notes.json" in files(session, draft.id)


def test_the_history_lists_saves_and_restores_an_earlier_revision(owner, session):  # noqa: F811
    draft = open_draft(owner, session)
    before = files(session, draft.id)
    owner.post(f"/owner/drafts/{draft.id}/files/delete", {"name": "triage.dmn", "revision": 1})
    page = owner.get(f"/owner/drafts/{draft.id}/history").text
    assert 'data-revision="2"' in page and 'data-revision="1"' in page and "started the draft" in page
    assert "− triage.dmn" in page  # what revision 2 did
    restored = owner.post(f"/owner/drafts/{draft.id}/history/1/restore", {"revision": 2})
    assert "Revision 1 restored as a new save." in owner.get(restored.headers["Location"]).text
    assert files(session, draft.id) == before
    assert "restored revision 1" in owner.get(f"/owner/drafts/{draft.id}/history").text
    stale = owner.post(f"/owner/drafts/{draft.id}/history/2/restore", {"revision": 2})
    assert "Someone else saved this draft first" in owner.get(stale.headers["Location"]).text
    assert files(session, draft.id) == before
