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
    """The codes engine/deploy/'s checks pass with their problems: string literals shaped area.name in the
    modules that report problems (``report(...)``, ``refuse(...)``), and ``code="..."`` anywhere."""
    found = set()
    for source in DEPLOY.glob("*.py"):
        code = source.read_text()
        if "report(" in code or "refuse(" in code:
            found |= set(re.findall(r'"([a-z]+\.[a-z_]+)"', code))
        found |= set(re.findall(r'code="([a-z]+\.[a-z_]+)"', code))
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
            named = problem.params.get("what")  # problems with a whole file name no element
            assert not named or (named["name"] or named["id"]) in said
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert all(problem_texts.text(p) == p.message for p in problems)


def test_a_task_connected_to_something_else_than_a_data_object_names_both_in_chinese(app, corpus):
    """(A corpus diagram: its data associations point at elements that are not data objects.)"""
    diagram = next(corpus.rglob("C.6.0.bpmn"))
    with pytest.raises(DeploymentRejected) as refused:
        load_bundle([(diagram.name, diagram.read_bytes())], handler_names=registry.names())
    connected = [p for p in refused.value.problems if p.code == "data.not_an_object"]
    assert connected
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        said = problem_texts.text(connected[0])
    target = connected[0].params["target"]
    assert "不是本流程的数据对象" in said and (target["name"] or target["id"]) in said
    assert "数据输出" in said  # the kind of element it is connected to, in Chinese too


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


def test_conformance_problems_read_in_chinese(app):
    """A message flow inside one pool and an unpaired link event, built as in tests/unit/test_diagram_conformance.py."""
    from tests.unit.test_diagram_conformance import diagram, refused, script, straight

    collaboration = (
        '<bpmn:collaboration id="c"><bpmn:participant id="bank" name="Bank" processRef="p"/>'
        '<bpmn:messageFlow id="talk" name="Talk to self" sourceRef="m0" targetRef="m1"/></bpmn:collaboration>'
    )
    [flow] = [
        p
        for p in refused(diagram(straight(script("m0", "Ask"), script("m1", "Answer")), before=collaboration))
        if p.element == "talk"
    ]
    link = (
        '<bpmn:startEvent id="start"/><bpmn:intermediateThrowEvent id="m0" name="Go on">'
        '<bpmn:linkEventDefinition name="page2"/></bpmn:intermediateThrowEvent>'
        '<bpmn:sequenceFlow id="s0" sourceRef="start" targetRef="m0"/>'
    )
    [unpaired] = [p for p in refused(diagram(link)) if p.code == "link.no_catch"]
    assert (flow.code, flow.params["pool"]["name"]) == ("pool.message_flow", "Bank")
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert problem_texts.text(flow) == (
            "消息流“Talk to self” 连接了同一个池（池“Bank”）中的两个元素；消息流用于池与池之间，同一个池内请用顺序流。"
        )
        assert problem_texts.text(unpaired) == (
            "中间抛出事件“Go on” 抛出链接“page2”，但同一流程层级中没有同名的捕获链接事件。"
        )
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert problem_texts.text(unpaired) == unpaired.message


def test_decision_table_and_file_problems_read_in_chinese(app):
    dmn = (VALIDATION / "tier.dmn").read_text()
    priority = dmn.replace('hitPolicy="FIRST"', 'hitPolicy="PRIORITY"')
    review = (VALIDATION / "review.json").read_bytes()
    with pytest.raises(DeploymentRejected) as refused:
        load_bundle(
            [("tier.dmn", priority.encode()), ("review.json", review), ("notes.txt", b"hello")],
            handler_names=registry.names(),
        )
    by_code = {p.code: p for p in refused.value.problems}
    assert {"dmn.hit_policy", "file.unknown_type"} <= set(by_code), refused.value.problems
    with pytest.raises(DeploymentRejected) as broken:
        load_bundle([("form.json", b"{not json")], handler_names=registry.names())
    [invalid] = [p for p in broken.value.problems if p.file == "form.json"]
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        policy = problem_texts.text(by_code["dmn.hit_policy"])
        assert "不支持命中策略 PRIORITY" in policy and policy.startswith("决策“"), policy
        assert problem_texts.text(by_code["file.unknown_type"]) == (
            "既不是 .bpmn 流程图，也不是 .dmn 决策表或 .json 表单 Schema。"
        )
        assert problem_texts.text(invalid).startswith("不是有效的 JSON：")
        assert (
            problem_texts.text(
                Problem(
                    "(upload)", "is big", None, "upload.too_large", {"size": 25_000_000, "limit": 20_000_000}
                )
            )
            == "大小为 25,000,000 字节；上限为 20,000,000 字节。"
        )
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert problem_texts.text(by_code["dmn.hit_policy"]) == by_code["dmn.hit_policy"].message


def test_a_refused_expression_reads_in_chinese_around_the_sandboxs_reason(app):
    from tests.unit.test_diagram_conformance import diagram, refused

    flow = (
        '<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/><bpmn:sequenceFlow id="s0" sourceRef="start" '
        'targetRef="end"><bpmn:conditionExpression>__import__("os")</bpmn:conditionExpression></bpmn:sequenceFlow>'
    )
    [problem] = [p for p in refused(diagram(flow)) if p.code == "expression.refused"]
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        said = problem_texts.text(problem)
    assert (
        said.startswith('顺序流 s0 的条件 "__import__("os")" 无法运行：') and problem.params["reason"] in said
    )


def test_spiffworkflows_own_validation_message_reads_in_chinese_around_its_english_detail(app, monkeypatch):
    """SpiffWorkflow's parser refuses some things our checks do not see; its message stays its own English
    detail, named element and line, wrapped in the page's language."""
    from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

    def picky(self, process_id, required=True):
        raise ValidationException(
            "Something odd", tag="bpmn:userTask", id="review", name="Review complaint", line_number=3
        )

    monkeypatch.setattr(SpiffBpmnParser, "get_spec", picky)
    support = [(n, (VALIDATION / n).read_bytes()) for n in ("valid.bpmn", "review.json")]
    with pytest.raises(DeploymentRejected) as refused:
        load_bundle(support, handler_names=registry.names())
    (problem,) = refused.value.problems
    assert problem.code == "spiff.validation"
    assert problem.params == {
        "what": {"kind": "userTask", "name": "Review complaint", "id": "review"},
        "detail": "Something odd.",
        "line": 3,
    }
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        said = problem_texts.text(problem)
    assert said == "用户任务“Review complaint”：SpiffWorkflow 无法接受（第 3 行）：Something odd."
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert problem_texts.text(problem) == 'user task "Review complaint": Something odd. (line 3)'
