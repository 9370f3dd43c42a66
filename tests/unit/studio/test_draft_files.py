"""Adding, renaming and deleting the files of a draft, each change a save on the current revision, checked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.errors import Conflict, ValidationFailed
from engine.models import DraftFile, ProcessVersion
from engine.studio import drafts
from engine.studio.checks import check


def general_draft(session, clock):
    version = session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == "general_path"))
    return drafts.create(session, clock, version_id=version.id, actor="pete")


def contents(session, draft_id) -> dict[str, bytes]:
    return dict(drafts.files_of(drafts.get(session, draft_id, with_content=True)))


def test_a_new_form_is_added_and_stored(session, clock, deployed):
    draft = general_draft(session, clock)
    saved = drafts.save(
        session, clock, draft.id, revision=1, files={"extra.schema.json": b'{"type": "object"}'}, actor="pete"
    )
    assert saved.revision == 2
    assert contents(session, draft.id)["extra.schema.json"] == b'{"type": "object"}'


def test_a_renamed_form_keeps_its_content_and_the_diagrams_follow_it(session, clock, deployed):
    draft = general_draft(session, clock)
    before = contents(session, draft.id)
    drafts.save(
        session,
        clock,
        draft.id,
        revision=1,
        files={},
        renamed={"direction.schema.json": "route.schema.json"},
        actor="pete",
    )
    after = contents(session, draft.id)
    assert "direction.schema.json" not in after
    assert after["route.schema.json"] == before["direction.schema.json"]
    old = b'name="formJsonSchemaFilename" value="direction.schema.json"'
    new = b'name="formJsonSchemaFilename" value="route.schema.json"'
    assert old in before["general.bpmn"]
    assert after["general.bpmn"] == before["general.bpmn"].replace(old, new)
    assert check(session, list(after.items())).ok


def test_references_follow_only_in_form_properties_and_not_in_a_diagram_the_save_rewrites(
    session, clock, deployed
):
    from engine.studio.references import follow_renamed_forms

    diagram = (
        b"<bpmn:userTask id='t'><spiffworkflow:property value='a.json' name='formUiSchemaFilename'/>"
        b'<spiffworkflow:property name="other" value="a.json"/><bpmn:documentation>a.json</bpmn:documentation>'
    )
    followed = follow_renamed_forms({"x.bpmn": diagram, "a.json": b"{}"}, {"a.json": "b&c.json"})
    assert followed["x.bpmn"] == diagram.replace(b"value='a.json' name=", b"value='b&amp;c.json' name=")
    assert follow_renamed_forms({"x.bpmn": diagram}, {"x.bpmn": "y.bpmn"}) == {"x.bpmn": diagram}
    draft = general_draft(session, clock)
    mine = contents(session, draft.id)["general.bpmn"]
    drafts.save(
        session,
        clock,
        draft.id,
        revision=1,
        files={"general.bpmn": mine},
        renamed={"direction.schema.json": "route.schema.json"},
        actor="pete",
    )
    assert contents(session, draft.id)["general.bpmn"] == mine  # the owner's own text of it wins


def test_renaming_the_diagram_moves_the_main_file_with_it(session, clock, deployed):
    draft = general_draft(session, clock)
    saved = drafts.save(
        session, clock, draft.id, revision=1, files={}, renamed={"general.bpmn": "general2.bpmn"}, actor="p"
    )
    assert saved.main_file == "general2.bpmn"
    assert "general2.bpmn" in contents(session, draft.id)


def test_two_files_can_swap_names(session, clock, deployed):
    draft = general_draft(session, clock)
    drafts.save(session, clock, draft.id, revision=1, files={"a.json": b"{}", "b.json": b"[]"}, actor="p")
    drafts.save(
        session,
        clock,
        draft.id,
        revision=2,
        files={},
        renamed={"a.json": "b.json", "b.json": "a.json"},
        actor="p",
    )
    after = contents(session, draft.id)
    assert (after["a.json"], after["b.json"]) == (b"[]", b"{}")


@pytest.mark.parametrize(
    ("renamed", "field"),
    [
        ({"nothing.json": "x.json"}, "nothing.json"),
        ({"direction.schema.json": "general.bpmn"}, "general.bpmn"),
        ({"direction.schema.json": "../x.json"}, "../x.json"),
        ({"direction.schema.json": "form.txt"}, "form.txt"),
    ],
)
def test_a_bad_rename_is_refused_and_nothing_changes(session, clock, deployed, renamed, field):
    draft = general_draft(session, clock)
    before = contents(session, draft.id)
    with pytest.raises(ValidationFailed) as refused:
        drafts.save(session, clock, draft.id, revision=1, files={}, renamed=renamed, actor="pete")
    assert field in refused.value.errors
    assert contents(session, draft.id) == before
    assert drafts.get(session, draft.id).revision == 1


def test_a_deleted_decision_table_is_gone_and_the_checks_say_what_needed_it(session, clock, deployed):
    draft = general_draft(session, clock)
    drafts.save(session, clock, draft.id, revision=1, files={}, deleted=["triage.dmn"], actor="pete")
    after = contents(session, draft.id)
    assert "triage.dmn" not in after
    assert session.scalar(select(DraftFile).where(DraftFile.name == "triage.dmn")) is None
    assert not check(session, list(after.items())).ok


def test_deleting_a_file_the_draft_lacks_is_refused(session, clock, deployed):
    draft = general_draft(session, clock)
    with pytest.raises(ValidationFailed):
        drafts.save(session, clock, draft.id, revision=1, files={}, deleted=["nothing.json"], actor="pete")
    assert drafts.get(session, draft.id).revision == 1


def test_a_stale_rename_is_a_conflict(session, clock, deployed):
    draft = general_draft(session, clock)
    drafts.save(session, clock, draft.id, revision=1, files={"a.json": b"{}"}, actor="pete")
    with pytest.raises(Conflict):
        drafts.save(
            session, clock, draft.id, revision=1, files={}, renamed={"a.json": "b.json"}, actor="olga"
        )
    assert "a.json" in contents(session, draft.id)


def test_a_new_file_of_each_kind_starts_valid_so_the_draft_still_passes_its_checks(session, clock, deployed):
    from engine.studio import starters

    draft = general_draft(session, clock)
    assert check(session, list(contents(session, draft.id).items())).ok
    new = {
        starters.file_name(name, kind): None
        for name, kind in [("notes", "form"), ("route", "dmn"), ("2nd try", "bpmn")]
    }
    files = {name: starters.starter(name) for name in new}
    drafts.save(session, clock, draft.id, revision=1, files=files, actor="pete")
    after = contents(session, draft.id)
    assert {"notes.json", "route.dmn", "2nd try.bpmn"} <= set(after)
    assert check(session, list(after.items())).problems == []
    with pytest.raises(ValidationFailed):
        starters.file_name("x", "exe")
