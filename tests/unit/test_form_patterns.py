"""Regular expressions in form schemas that backtrack without end on some input are refused at deploy, so no
customer's typing can hold a worker; ordinary patterns (those the shipped forms use) pass."""

from __future__ import annotations

import json

import pytest

from engine.deploy.bundle import load_bundle
from engine.deploy.deployment import read_paths
from engine.deploy.patterns import pattern_problem, schema_patterns
from engine.errors import DeploymentRejected
from handlers import registry
from tests.paths import DATA as TEST_DATA
from tests.paths import PROCESSES

DATA = TEST_DATA / "validation"

CATASTROPHIC = [r"^(a+)+$", r"(a|aa)+", r"(\w+\s?)*", r"^(a*)*b$", r"(x+x+)+y", r"(.*a){20}", r"^(a|b|ab)*$"]
SAFE = [
    r"\S",
    r"^\+?[0-9 ()-]{5,32}$",
    r"^-?\d+(\.\d+)?$",
    r"^[0-9a-f]{64}$",
    r"^(\d{3}-)+\d+$",
    r"(?:[a-z0-9]+\.)+com",
    r"([^,]+,)+",
    r"(\w+\s)+",
    r"(a++)+",
    r"(?>a+)+$",
]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_a_pattern_with_catastrophic_backtracking_is_recognised(pattern):
    reason = pattern_problem(pattern)
    assert reason is not None and "exponential time" in reason and "possessive" in reason


@pytest.mark.parametrize("pattern", SAFE)
def test_an_ordinary_pattern_passes(pattern):
    assert pattern_problem(pattern) is None


def test_schema_patterns_finds_every_pattern_and_pattern_property():
    schema = {
        "properties": {"a": {"type": "string", "pattern": "x"}, "b": {"items": [{"pattern": "y"}]}},
        "patternProperties": {"^z+$": {"pattern": "w"}},
    }
    assert sorted(p for _, p in schema_patterns(schema)) == ["^z+$", "w", "x", "y"]


def form(pattern: str, where: str = "pattern") -> bytes:
    field = {"type": "string", "title": "Reply"}
    schema = {"type": "object", "properties": {"reply": field}}
    if where == "pattern":
        field["pattern"] = pattern
    else:
        schema["patternProperties"] = {pattern: {"type": "string"}}
    return json.dumps(schema).encode()


@pytest.mark.parametrize("where", ["pattern", "patternProperties"])
def test_deploy_refuses_a_form_whose_pattern_backtracks_naming_it(where):
    files = [("valid.bpmn", (DATA / "valid.bpmn").read_bytes()), ("review.json", form("^(a+)+$", where))]
    with pytest.raises(DeploymentRejected) as rejection:
        load_bundle(files, handler_names=registry.names())
    (problem,) = [p for p in rejection.value.problems if p.file == "review.json"]
    assert 'has the pattern "^(a+)+$"' in problem.message and "exponential time" in problem.message


def test_deploy_refuses_a_pattern_that_is_not_a_regular_expression():
    files = [("valid.bpmn", (DATA / "valid.bpmn").read_bytes()), ("review.json", form("(unclosed"))]
    with pytest.raises(DeploymentRejected) as rejection:
        load_bundle(files, handler_names=registry.names())
    (problem,) = [p for p in rejection.value.problems if p.file == "review.json"]
    assert "(unclosed" in problem.message and "regex" in problem.message


def test_the_shipped_forms_patterns_all_pass():
    files = read_paths([PROCESSES])
    patterns = [
        p for name, data in files if name.endswith(".json") for _, p in schema_patterns(json.loads(data))
    ]
    assert patterns, "the shipped forms use patterns"
    assert [p for p in patterns if pattern_problem(p)] == []
