"""The deploy validator's problems in the page's language: every code the validator gives has a Chinese text
in the catalog, with the same parameters, and the studio's API answers with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.deploy.bundle import load_bundle
from engine.errors import DeploymentRejected, Problem
from handlers import registry
from tests.functional.test_api_studio import CONDITION, new_draft, text
from tests.functional.test_api_support import PREFIX, start
from web import problem_texts

ROOT = Path(__file__).resolve().parents[2]
VALIDATION = ROOT / "tests" / "data" / "validation"
DEPLOY = ROOT / "engine" / "deploy"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def codes_in_the_validator() -> set[str]:
    """The codes engine/deploy/'s checks pass with their problems (string literals shaped area.name in the
    modules that report problems on elements)."""
    found = set()
    for source in DEPLOY.glob("*.py"):
        code = source.read_text()
        if ".report(" in code:
            found |= set(re.findall(r'"([a-z]+\.[a-z_]+)"', code))
    return found


def problems_of_the_test_diagrams() -> list[Problem]:
    problems = []
    support = [(n, (VALIDATION / n).read_bytes()) for n in ("review.json", "tier.dmn")]
    for diagram in sorted(VALIDATION.glob("*.bpmn")):
        try:
            load_bundle([(diagram.name, diagram.read_bytes()), *support], handler_names=registry.names())
        except DeploymentRejected as refused:
            problems.extend(refused.problems)
    return problems


def test_every_code_the_validator_gives_is_in_the_catalog_and_every_catalog_code_is_used(app):
    with app.test_request_context():
        catalog = set(problem_texts.templates())
    assert codes_in_the_validator() == catalog


def test_real_problems_read_in_chinese_with_every_parameter_filled(app):
    problems = [p for p in problems_of_the_test_diagrams() if p.code]
    assert len({p.code for p in problems}) >= 15  # the test diagrams exercise most of the catalog
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        for problem in problems:
            said = problem_texts.text(problem)
            assert CHINESE.search(said), (problem.code, said)
            assert "%(" not in said and said != problem.message
            named = problem.params["what"]
            assert (named["name"] or named["id"]) in said
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert all(problem_texts.text(p) == p.message for p in problems)


def test_a_problem_without_a_code_keeps_its_english_message(app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert problem_texts.text(Problem("a.bpmn", "is odd")) == "is odd"
        assert problem_texts.text(Problem("a.bpmn", "is odd", None, "no.such_code", {})) == "is odd"


@pytest.fixture
def api(app, session, clock):
    return start(app, session, clock)


def test_the_api_says_the_problem_in_the_requests_language(api, session):
    draft = new_draft(api, session)
    broken = text(api, draft, "general.bpmn").replace(CONDITION, "")
    url = f"{PREFIX}/drafts/{draft['id']}"
    saved = api.client.put(
        url,
        headers={**api.auth("pete"), "Accept-Language": "zh-CN"},
        json={"revision": 1, "files": {"general.bpmn": broken}},
    ).get_json()
    [problem] = saved["problems"]
    assert problem["code"] == "flow.no_condition"
    assert problem["params"]["gateway"]["kind"] == "exclusiveGateway"
    assert "without a condition" in problem["message"]
    assert "没有条件" in problem["text"] and "排他网关" in problem["text"]
    english = api.client.get(
        url + "/checks", headers={**api.auth("pete"), "Accept-Language": "en"}
    ).get_json()
    assert english["problems"][0]["text"] == english["problems"][0]["message"]
