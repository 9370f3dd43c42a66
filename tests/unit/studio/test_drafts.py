"""Drafts are stored copies of a deployed bundle: saved with optimistic revisions, checked, deployed with a
reason, never run."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from engine.errors import Conflict, InvalidState, ValidationFailed
from engine.models import AuditEvent, Case, ProcessVersion
from engine.studio import drafts
from engine.studio.checks import check
from tests.unit.studio.conftest import TELL_DIRECTION_CONDITION


def general(session) -> ProcessVersion:
    return session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == "general_path"))


def test_a_draft_copies_every_file_of_the_version_it_starts_from(session, clock, deployed):
    draft = drafts.create(session, clock, version_id=general(session).id, actor="pete")
    draft = drafts.get(session, draft.id, with_content=True)
    names = [f.name for f in draft.files]
    assert "general.bpmn" in names and "direction.schema.json" in names and "triage.dmn" in names
    assert draft.main_file == "general.bpmn" and draft.revision == 1
    kinds = session.scalars(select(AuditEvent.kind)).all()
    assert "draft.created" in kinds


def test_saving_on_an_old_revision_is_a_conflict_and_keeps_the_first_save(session, clock, deployed):
    draft = drafts.create(session, clock, version_id=deployed.id, actor="pete")
    drafts.save(
        session, clock, draft.id, revision=1, files={"note.json": b'{"type": "object"}'}, actor="pete"
    )
    with pytest.raises(Conflict) as refused:
        drafts.save(session, clock, draft.id, revision=1, files={"note.json": b"{}"}, actor="olga")
    assert "pete" in refused.value.message and "revision 2" in refused.value.message
    saved = drafts.get(session, draft.id, with_content=True)
    assert {f.name: f.content for f in saved.files}["note.json"] == b'{"type": "object"}'
    assert saved.saved_by == "pete"


def test_files_with_bad_names_are_refused_and_nothing_is_saved(session, clock, deployed):
    draft = drafts.create(session, clock, version_id=deployed.id, actor="pete")
    with pytest.raises(ValidationFailed) as refused:
        drafts.save(
            session, clock, draft.id, revision=1, files={"../evil.bpmn": b"x", "a.exe": b"x"}, actor="p"
        )
    assert set(refused.value.errors) == {"../evil.bpmn", "a.exe"}
    assert drafts.get(session, draft.id).revision == 1


def test_a_draft_cannot_lose_its_last_diagram(session, clock, deployed):
    draft = drafts.create(session, clock, version_id=general(session).id, actor="pete")
    diagrams = [f.name for f in drafts.get(session, draft.id).files if f.name.endswith(".bpmn")]
    with pytest.raises(ValidationFailed):
        drafts.save(session, clock, draft.id, revision=1, files={}, deleted=diagrams, actor="pete")


def test_checks_are_the_deploy_validator_and_name_the_element(session, clock, deployed):
    draft = drafts.create(session, clock, version_id=general(session).id, actor="pete")
    files = dict(drafts.files_of(drafts.get(session, draft.id, with_content=True)))
    broken = files["general.bpmn"].replace(TELL_DIRECTION_CONDITION, b"")
    drafts.save(session, clock, draft.id, revision=1, files={"general.bpmn": broken}, actor="pete")
    checked = check(session, drafts.files_of(drafts.get(session, draft.id, with_content=True)))
    [problem] = checked.problems
    assert problem.file == "general.bpmn" and problem.element == "flow_which_route_to_settled"
    assert "without a condition" in problem.message


def test_deploying_a_draft_needs_a_reason_and_records_it(session, clock, deployed):
    draft = drafts.create(session, clock, version_id=general(session).id, actor="pete")
    files = dict(drafts.files_of(drafts.get(session, draft.id, with_content=True)))
    changed = files["general.bpmn"].replace(b'"PT4H"', b'"PT2H"')
    drafts.save(session, clock, draft.id, revision=1, files={"general.bpmn": changed}, actor="pete")
    with pytest.raises(ValidationFailed):
        drafts.deploy(session, clock, draft.id, revision=2, reason=" ", actor="pete")
    result = drafts.deploy(
        session, clock, draft.id, revision=2, reason="direction within 2 hours", actor="pete"
    )
    assert sorted(v.label for v in result.deployed) == ["complaint v2", "general_path v2"]
    reasons = session.scalars(select(AuditEvent.payload).where(AuditEvent.kind == "process.deployed")).all()
    assert [p.get("reason") for p in reasons][-2:] == ["direction within 2 hours"] * 2
    assert drafts.get(session, draft.id).deployed_by == "pete"
    with pytest.raises(InvalidState):
        drafts.save(session, clock, draft.id, revision=2, files={}, actor="pete")


def test_a_draft_is_never_run_and_downloads_as_a_zip(session, clock, deployed):
    draft = drafts.create(session, clock, version_id=deployed.id, actor="pete")
    archive = drafts.archive(drafts.get(session, draft.id, with_content=True))
    with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
        assert "complaint.bpmn" in bundle.namelist()
    assert session.scalar(select(func.count()).select_from(Case)) == 0
