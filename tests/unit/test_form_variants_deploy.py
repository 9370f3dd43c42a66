"""Deploying forms that vary by tier: the ``formVariant`` task property and the form's ``x-variants`` are
accepted when they can be used, and refused with a problem naming the task or the form when they cannot."""

from __future__ import annotations

import json

import pytest

from engine.deploy import deployment
from engine.errors import Problem
from tests.paths import PROCESSES
from tests.unit.test_validation import files, load, refused

FORM_LINE = '<spiffworkflow:property name="formJsonSchemaFilename" value="review.json"/>'
VARIED = {
    "type": "object",
    "properties": {"decision": {"type": "string", "enum": ["uphold", "reject"]}},
    "required": ["decision"],
    "additionalProperties": False,
    "x-variants": {
        "urgent": {"properties": {"really_solved": {"type": "boolean"}}},
        "general": {"properties": {"other_needs": {"type": "boolean"}}},
    },
}


def bundle(variant: str | None, form: dict) -> list[tuple[str, bytes]]:
    [(name, diagram)] = files("valid.bpmn")
    if variant is not None:
        line = FORM_LINE + f'<spiffworkflow:property name="formVariant" value="{variant}"/>'
        diagram = diagram.replace(FORM_LINE.encode(), line.encode())
    return [(name, diagram), ("review.json", json.dumps(form).encode())]


def codes(problems: list[Problem]) -> list[tuple[str, str | None, str]]:
    return [(p.code, p.element, p.file) for p in problems]


def test_a_task_varying_its_form_by_tier_deploys_with_the_variants_kept():
    deployed = load(bundle("tier", VARIED))
    assert deployed.forms["review.json"]["x-variants"] == VARIED["x-variants"]


def test_the_shipped_follow_up_visit_varies_the_survey_by_tier(session, clock):
    [version] = [
        v
        for v in deployment.deploy(
            session, deployment.read_paths([PROCESSES]), actor="tests", clock=clock
        ).deployed
        if v.process_key == "result_and_follow_up"
    ]
    assert set(version.forms["survey.schema.json"]["x-variants"]) == {"urgent", "general", "advisory"}


def test_varying_by_something_forms_cannot_vary_by_is_refused_naming_the_task():
    problems = refused(bundle("segment", VARIED))
    assert codes(problems) == [("form.variant_unknown", "review", "valid.bpmn")]
    assert 'varies its form by "segment"' in problems[0].message and "use tier" in problems[0].message


def test_varying_a_form_that_has_no_variants_is_refused_naming_the_task():
    plain = {k: v for k, v in VARIED.items() if k != "x-variants"}
    problems = refused(bundle("tier", plain))
    assert codes(problems) == [("form.no_variants", "review", "valid.bpmn")]
    assert "has no variants" in problems[0].message


@pytest.mark.parametrize(
    ("variants", "fragment"),
    [
        ([], "must be an object of variants keyed by tier"),
        ({"vip": {"properties": {"x": {"type": "boolean"}}}}, '"vip" is not a tier'),
        ({"urgent": {"required": ["x"]}}, 'with the "properties" it adds'),
        ({"urgent": {"properties": {}, "if": {}}}, "may hold only"),
        (
            {"urgent": {"properties": {"decision": {"type": "boolean"}}}},
            "repeats the form's own field decision",
        ),
        ({"urgent": {"properties": {"x": {"type": "boolean"}}, "required": ["y"]}}, "required must list"),
        ({"urgent": {"properties": {"x": {"type": 5}}}}, "x-variants.urgent: 5 is not valid"),
        ({"urgent": {"properties": {"x": {"type": "string", "pattern": "(a+)+$"}}}}, "pattern"),
    ],
)
def test_variants_that_cannot_be_used_are_refused_naming_the_form(variants, fragment):
    problems = refused(bundle("tier", {**VARIED, "x-variants": variants}))
    [problem] = [p for p in problems if p.file == "review.json"]  # the task then misses its form, too
    assert fragment in problem.message, problem.message


def test_the_variant_problems_read_in_chinese(app):
    from web import problem_texts

    bad = [p for p in refused(bundle("tier", {**VARIED, "x-variants": {"vip": {"properties": {}}}}))]
    found = [
        *refused(bundle("segment", VARIED)),
        *refused(bundle("tier", {k: v for k, v in VARIED.items() if k != "x-variants"})),
        *[p for p in bad if p.file == "review.json"],
    ]
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        said = [problem_texts.text(p) for p in found]
    assert "按“segment”区分表单" in said[0]
    assert "没有分级问题" in said[1]
    assert said[2].startswith("含有无法使用的分级问题")
