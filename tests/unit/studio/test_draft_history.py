"""Every save of a draft is kept as a revision (who, when, the files); an earlier one can be restored."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.errors import Conflict, NotFound
from engine.models import AuditEvent, DraftBlob, DraftRevision, ProcessVersion
from engine.studio import drafts, history


def general_draft(session, clock):
    version = session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == "general_path"))
    return drafts.create(session, clock, version_id=version.id, actor="pete")


def contents(session, draft_id) -> dict[str, bytes]:
    return dict(drafts.files_of(drafts.get(session, draft_id, with_content=True)))


def test_each_save_is_a_revision_with_who_and_when(session, clock, deployed):
    draft = general_draft(session, clock)
    clock.advance(timedelta(minutes=5))
    drafts.save(session, clock, draft.id, revision=1, files={"a.json": b"{}"}, actor="olga")
    clock.advance(timedelta(minutes=5))
    drafts.save(session, clock, draft.id, revision=2, files={}, deleted=["a.json"], actor="pete")
    kept = drafts.revisions(session, draft.id)
    assert [(r.revision, r.saved_by, r.action) for r in kept] == [
        (3, "pete", "saved"),
        (2, "olga", "saved"),
        (1, "pete", "created"),
    ]
    assert kept[0].saved_at - kept[2].saved_at == timedelta(minutes=10)
    assert "a.json" in kept[1].files and "a.json" not in kept[0].files
    changes = history.changes(kept)
    assert changes[3] == {"added": [], "changed": [], "removed": ["a.json"]}
    assert changes[2] == {"added": ["a.json"], "changed": [], "removed": []}
    assert changes[1] == {"added": [], "changed": [], "removed": []}


def test_restoring_an_earlier_revision_brings_its_files_back_as_a_new_revision(session, clock, deployed):
    draft = general_draft(session, clock)
    original = contents(session, draft.id)
    changed = original["general.bpmn"].replace(b'"PT4H"', b'"PT1H"')
    drafts.save(
        session,
        clock,
        draft.id,
        revision=1,
        files={"general.bpmn": changed},
        deleted=["triage.dmn"],
        actor="p",
    )
    restored = drafts.restore(session, clock, draft.id, revision=2, restore=1, actor="olga")
    assert restored.revision == 3
    assert contents(session, draft.id) == original
    newest = drafts.revisions(session, draft.id)[0]
    assert (newest.action, newest.restored_from, newest.saved_by) == ("restored", 1, "olga")
    # Nothing is lost: revision 2 can be restored in turn.
    drafts.restore(session, clock, draft.id, revision=3, restore=2, actor="olga")
    assert contents(session, draft.id)["general.bpmn"] == changed
    assert "triage.dmn" not in contents(session, draft.id)
    kinds = session.scalars(select(AuditEvent.kind).where(AuditEvent.kind == "draft.restored")).all()
    assert len(kinds) == 2


def test_a_content_is_stored_once_however_many_revisions_share_it(session, clock, deployed):
    draft = general_draft(session, clock)
    files = len(contents(session, draft.id))
    for revision in range(1, 4):
        drafts.save(session, clock, draft.id, revision=revision, files={"a.json": b"{}"}, actor="p")
    blobs = session.scalar(select(func.count()).select_from(DraftBlob).where(DraftBlob.draft_id == draft.id))
    assert blobs == files + 1


def test_restoring_on_a_stale_revision_is_a_conflict(session, clock, deployed):
    draft = general_draft(session, clock)
    drafts.save(session, clock, draft.id, revision=1, files={"a.json": b"{}"}, actor="olga")
    with pytest.raises(Conflict):
        drafts.restore(session, clock, draft.id, revision=1, restore=1, actor="pete")
    assert "a.json" in contents(session, draft.id)


def test_restoring_a_revision_that_does_not_exist_is_not_found(session, clock, deployed):
    draft = general_draft(session, clock)
    with pytest.raises(NotFound):
        drafts.restore(session, clock, draft.id, revision=1, restore=7, actor="pete")
    assert drafts.get(session, draft.id).revision == 1


def test_discarding_a_draft_removes_its_history(session, clock, deployed):
    draft = general_draft(session, clock)
    drafts.save(session, clock, draft.id, revision=1, files={"a.json": b"{}"}, actor="p")
    drafts.discard(session, clock, draft.id, actor="p")
    assert session.scalar(select(func.count()).select_from(DraftRevision)) == 0
    assert session.scalar(select(func.count()).select_from(DraftBlob)) == 0


def test_the_migration_records_each_existing_draft_as_its_current_revision(tmp_path):
    """Drafts saved before history existed start their history where they are (and the migration reverses)."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from engine.store.schema import alembic_config, upgrade

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0019")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO drafts (id, process_key, base_version_id, main_file, title, revision, created_by, "
                "created_at, saved_by, saved_at) VALUES (5, 'p', 1, 'p.bpmn', 't', 4, 'pete', "
                "'2026-01-01 00:00:00', 'olga', '2026-01-02 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO draft_files (draft_id, name, sha256, content) VALUES "
                "(5, 'p.bpmn', 'aa', x'3c78'), (5, 'f.json', 'bb', x'7b7d'), (5, 'g.json', 'bb', x'7b7d')"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        [(revision, saved_by, files)] = conn.execute(
            text("SELECT revision, saved_by, files FROM draft_revisions WHERE draft_id = 5")
        ).all()
        blobs = conn.execute(text("SELECT sha256 FROM draft_blobs ORDER BY sha256")).scalars().all()
    assert (revision, saved_by) == (4, "olga")
    assert json.loads(files) == {"p.bpmn": "aa", "f.json": "bb", "g.json": "bb"}
    assert blobs == ["aa", "bb"]
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0019")
    with engine.connect() as conn:
        tables = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars().all()
    assert "draft_revisions" not in tables and "draft_blobs" not in tables
    engine.dispose()
