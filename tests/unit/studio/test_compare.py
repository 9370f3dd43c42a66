"""Comparing two bundles names what a version adds, removes and changes, element by element."""

from __future__ import annotations

from engine.studio.compare import compare
from tests.unit.studio.conftest import TELL_DIRECTION_CONDITION, edited, shipped, shorter_direction_deadline


def by_id(comparison):
    return {e.id: e for e in comparison.elements}


def test_the_same_bundle_has_no_changes():
    comparison = compare(shipped(), shipped())
    assert comparison.elements == [] and {f.status for f in comparison.files} == {"same"}


def test_a_changed_timer_and_a_removed_condition_are_named_with_before_and_after():
    files = shipped()
    after = edited(shorter_direction_deadline(files), "general.bpmn", TELL_DIRECTION_CONDITION, b"")
    changes = by_id(compare(files, after))
    deadline = changes["tell_direction_deadline"]
    assert deadline.change == "changed" and deadline.type == "boundaryEvent"
    [timer] = deadline.properties
    assert timer.name == "timer (date)" and '"PT4H"' in timer.before and '"PT1H"' in timer.after
    [condition] = changes["flow_which_route_to_settled"].properties
    assert (condition.name, condition.before, condition.after) == ("condition", 'route == "none"', None)


def test_engine_properties_lanes_and_handlers_are_compared():
    files = shipped()
    after = edited(files, "general.bpmn", b'value="direction.schema.json"', b'value="plan.schema.json"')
    after = edited(
        after, "general.bpmn", b'serviceTaskOperator id="compensate"', b'serviceTaskOperator id="kb_answer"'
    )
    changes = by_id(compare(files, after))
    [form] = changes["tell_direction"].properties
    assert (form.name, form.before, form.after) == (
        "formJsonSchemaFilename",
        "direction.schema.json",
        "plan.schema.json",
    )
    [handler] = changes["pay"].properties
    assert (handler.name, handler.before, handler.after) == ("handler", "compensate", "kb_answer")


def test_added_removed_and_moved_elements_and_changed_forms():
    files = shipped()
    after = edited(
        files,
        "general.bpmn",
        b'id="tell_direction_escalated" name="Escalated"',
        b'id="direction_late" name="Escalated"',
    )
    after = edited(after, "direction.schema.json", b'"maxLength": 2000', b'"maxLength": 500')
    comparison = compare(files, after)
    changes = by_id(comparison)
    assert changes["tell_direction_escalated"].change == "removed"
    assert changes["direction_late"].change == "added"
    form = changes["direction.schema.json"]
    assert form.type == "form" and form.properties[0].before == "2000" and form.properties[0].after == "500"
    assert {f.name: f.status for f in comparison.files}["direction.schema.json"] == "changed"
