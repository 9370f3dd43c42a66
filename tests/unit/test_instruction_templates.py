"""instructionsForEndUser templates: compiled and tried at deploy with the expressions' guards, and rendered
within bounds of output and loops, so no template can make every view of its task time out."""

from __future__ import annotations

import pytest

from engine.deploy.bundle import load_bundle
from engine.errors import DeploymentRejected, SandboxViolation
from engine.scripting import templates
from engine.scripting.templates import InstructionsEnvironment, check_template, render
from handlers import registry
from web.agent.tasks import render_instructions

HOSTILE = [
    ("{{ 9**(9**8) }}", "absurdly large number"),
    ("{{ 'a' * 10**9 }}", "1,000,000"),
    ("{{ 'a'|center(999999999) }}", "999,999,999"),
    ("{{ 'x'|indent(999999999) }}", "999,999,999"),
    ("{{ 'a'.ljust(10**9) }}", "1,000,000"),
    ("{{ '{:>999999999}'.format(1) }}", "999999999"),
    ("{{ '%0999999999d'|format(1) }}", "999999999"),
    ("{{ ('a' * 1000)|replace('a', 'b' * 5000) }}", ".replace()"),
    ("{{ (['a' * 900000] * 2)|join('-') }}", "joining these"),
    ("{{ ('a ' * 400000)|wordwrap(999999999) }}", "999,999,999"),
    (
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
        "at most 100,000 items",
    ),
    (
        "{% set ns = namespace(x='a') %}{% for i in range(40) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}",
        "100,000 characters",
    ),
    ("{% for i in range(90000) %}{{ 'line of text ' }}{% endfor %}", "longer than 100,000 characters"),
]


@pytest.mark.parametrize(("source", "reason"), HOSTILE)
def test_a_hostile_template_is_caught_by_the_deploy_check(source, reason):
    problem = check_template(source)
    assert problem is not None and problem.startswith("cannot be shown"), problem
    assert reason in problem


def test_a_syntax_error_is_reported_with_its_line():
    assert check_template("Hello\n{{ customer.name ") == (
        "is not a valid template (line 2): unexpected end of template, expected 'end of print statement'."
    )


@pytest.mark.parametrize(
    ("source", "data", "expected"),
    [
        ("Hello {{ name }}, {{ amount * 2 }} due", {"name": "Li", "amount": 21}, "Hello Li, 42 due"),
        ("{{ a ~ '-' ~ b }}", {"a": "x", "b": "y"}, "x-y"),
        ("{% for i in items %}[{{ i }}]{% endfor %}", {"items": [1, 2, 3]}, "[1][2][3]"),
        (
            "{{ 'ok'|center(6) }}|{{ '%05d'|format(42) }}|{{ items|join(',') }}",
            {"items": ["a", "b"]},
            "  ok  |00042|a,b",
        ),
        ("{{ missing.deeper }}.", {}, "."),
    ],
)
def test_ordinary_templates_render_as_before(source, data, expected):
    assert check_template(source) is None
    assert render(InstructionsEnvironment(autoescape=False), source, data) == expected


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'a'.ljust(width) }}",
        "{{ 'a'|center(width) }}",
        "{% for i in range(width // 1000) %}{% for j in range(width // 1000) %}{% endfor %}{% endfor %}",
    ],
)
def test_sizes_from_case_data_are_bounded_when_rendering(source):
    assert check_template(source) is None  # nothing to see without the data
    with pytest.raises(SandboxViolation):
        render(InstructionsEnvironment(autoescape=False), source, {"width": 10**8})


def test_rendering_stops_after_its_time(monkeypatch):
    monkeypatch.setattr(templates, "MAX_SECONDS", 0.0)
    with pytest.raises(SandboxViolation, match="took longer than"):
        render(
            InstructionsEnvironment(autoescape=False),
            "{% for i in items %}{{ i }}{% endfor %}",
            {"items": [1, 2]},
        )


def test_the_task_page_shows_a_template_it_cannot_render_as_written():
    template = "Call {{ customer.name }}: {{ 'a'.ljust(width) }}"
    blocks = render_instructions(template, {"customer": {"name": "Li"}, "width": 10**9}, "UTC")
    assert [b.lines for b in blocks] == [[template]]


HEAD = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="x">'
)


def with_instructions(text: str) -> bytes:
    return (
        f'{HEAD}<bpmn:process id="guide" isExecutable="true"><bpmn:laneSet id="ls"><bpmn:lane id="l" '
        'name="frontline"><bpmn:flowNodeRef>read</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>'
        '<bpmn:startEvent id="start"/><bpmn:userTask id="read" name="Read the file"><bpmn:extensionElements>'
        f"<spiffworkflow:instructionsForEndUser>{text}</spiffworkflow:instructionsForEndUser>"
        '</bpmn:extensionElements></bpmn:userTask><bpmn:endEvent id="end"/>'
        '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="read"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="read" targetRef="end"/></bpmn:process></bpmn:definitions>'
    ).encode()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "{{ 9**(9**8) }}",
            "has instructions that cannot be shown: this power would produce an absurdly large",
        ),
        ("Hello {% if %}", "has instructions that is not a valid template (line 1)"),
    ],
)
def test_deploy_refuses_instructions_that_cannot_be_shown_naming_the_task(text, fragment):
    with pytest.raises(DeploymentRejected) as rejection:
        load_bundle([("guide.bpmn", with_instructions(text))], handler_names=registry.names())
    (problem,) = rejection.value.problems
    assert problem.element == "read"
    assert problem.message.startswith('user task "Read the file" ' + fragment), problem.message


def test_deploy_accepts_ordinary_instructions():
    bundle = load_bundle(
        [("guide.bpmn", with_instructions("Call {{ customer.name }} about {{ case.reference }}."))],
        handler_names=registry.names(),
    )
    assert bundle.process_ids == ["guide"]
