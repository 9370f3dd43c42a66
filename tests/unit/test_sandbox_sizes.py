"""Memory bombs in diagram code: refused at deploy when the size is written as a number, refused at run time
(an incident on the case, not a gigabyte) when it is computed.

Run-time cases use a size of ten million, ten times the limit: large enough to prove the check, small enough
that the code before these checks (which built the value) would not hurt the test machine.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from engine.deploy.bundle import load_bundle
from engine.errors import DeploymentRejected, SandboxViolation
from engine.models import CaseStatus, Incident
from engine.scripting.sandbox import check_source, evaluate, execute
from engine.scripting.sizes import MAX_ITERATIONS, MAX_SEQUENCE
from handlers import registry

BIG = 10 * MAX_SEQUENCE

# (expression over `n`, what is built) — the bombs of the report, with the size in task data.
RUN_TIME_BOMBS = [
    "'a'.ljust(n)",
    "'a'.rjust(n)",
    "'a'.center(n)",
    "'1'.zfill(n)",
    "'%0*d' % (n, 1)",
    "('%0' + str(n) + 'd') % 1",
    "('{:>' + str(n) + '}').format('a')",
    "'{:>{}}'.format('a', n)",
    "'{w}'.format_map({'w': 'a' * 1000}) * 1 + ('{0}' * 2000).format('a' * 1000)",
    "f'{1:>{n}}'",
    "f'{1.5:.{n}f}'",
    "('a' * 1000).replace('a', 'b' * 20000)",
    "''.replace('', 'x' * 1000) + ('ab' * 1000).replace('', 'x' * 1000)",
    "''.join(['a' * 1000] * 20000)",
    "'-'.join(['a' * 999999] * 20)",
    "(0).to_bytes(n, 'big')",
    "'\\t'.expandtabs(n)",
    "('a' * 10000).translate({97: 'b' * 10000})",
    "('%s' * 1000) % tuple(['a' * 100000] * 1000)",
    "str([['a' * 1000] * 1000] * 1000)",
    "sum([['a'] * 100000] * 100, [])",
    "[0 for a in range(10000) for b in range(10000)]",
]


@pytest.mark.parametrize("expression", RUN_TIME_BOMBS)
def test_a_computed_size_beyond_the_limit_is_refused_when_it_runs(expression):
    assert check_source(expression, "eval") == []  # nothing literal to see at deploy
    with pytest.raises(SandboxViolation):
        evaluate(expression, {"n": BIG})


@pytest.mark.parametrize(
    "script",
    [
        "items = []\nfor i in range(100):\n    items.extend(chunk)",
        "grid = [[0] * 1000] * 2000",
        "text = 'a'\nfor i in range(30):\n    text %= ()\n    text = text.ljust(len(text) * 2)",
        "total = 0\nfor a in range(10000):\n    for b in range(200):\n        total += 1",
    ],
    ids=["extend-in-a-loop", "shared-rows", "doubling", "nested-loops"],
)
def test_a_script_growing_task_data_beyond_the_limit_is_refused(script):
    data = {"chunk": [0] * 100_000}
    with pytest.raises(SandboxViolation):
        execute(script, data)
    assert set(data) == {"chunk"}  # nothing it built became task data


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'a'.ljust(5) + '|'", "a    |"),
        ("'7'.zfill(3)", "007"),
        ("'%05d|%-4s|%.2f' % (42, 'ab', 1.5)", "00042|ab  |1.50"),
        ("'{:>6}|{:,.2f}|{name}'.format('x', 1234.5, name='Li')", "     x|1,234.50|Li"),
        ("'{a}-{b}'.format_map({'a': 1, 'b': 2})", "1-2"),
        ("f'{amount:,.2f} {amount!r:>8}'", "1,500.00     1500"),
        ("', '.join(['a', 'b'])", "a, b"),
        ("'a-b'.replace('-', '--')", "a--b"),
        ("(258).to_bytes(2, 'big')", b"\x01\x02"),
        ("sum([[1], [2]], [])", [1, 2]),
        ("str({'a': [1, 2]})", "{'a': [1, 2]}"),
        ("len([a * b for a in range(1000) for b in range(100)])", 100_000),
        ("amount % 7", 1500 % 7),
    ],
)
def test_ordinary_formatting_and_padding_still_work(expression, expected):
    assert evaluate(expression, {"amount": 1500}) == expected


def test_the_loop_budget_is_per_run_not_per_process():
    for _ in range(3):
        evaluate("len([0 for a in range(1000) for b in range(900)])", {})
    assert MAX_ITERATIONS >= 1000 * 900


# --- deploy time: sizes written as numbers ------------------------------------------------------------------

LITERAL_BOMBS = [
    "'a'.ljust(10**9)",
    "'a'.center(999999999)",
    "'a'.zfill(2 * 10**9)",
    "'a'.rjust(1 << 40)",
    "'%0999999999d' % 1",
    "'{:>999999999}'.format('a')",
    "f'{1:>999999999}'",
    "(0).to_bytes(10**9, 'big')",
    "'\\t'.expandtabs(10**9)",
    "'a' * 10**9",
    "[0] * 10**9",
]


@pytest.mark.parametrize("expression", LITERAL_BOMBS)
def test_a_literal_size_beyond_the_limit_is_refused_by_the_compile_check(expression):
    problems = check_source(expression, "eval")
    assert problems, expression
    assert any("1,000,000" in p for p in problems), problems


HEAD = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="x">'
)


def script_process(script: str) -> bytes:
    return (
        f'{HEAD}<bpmn:process id="bomb" isExecutable="true"><bpmn:laneSet id="ls"><bpmn:lane id="l" '
        'name="frontline"><bpmn:flowNodeRef>look</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>'
        '<bpmn:startEvent id="start"/><bpmn:scriptTask id="build" name="Build the letter">'
        f"<bpmn:script>{script}</bpmn:script></bpmn:scriptTask>"
        '<bpmn:userTask id="look" name="Look"/><bpmn:endEvent id="end"/>'
        '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="build"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="build" targetRef="look"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="look" targetRef="end"/></bpmn:process></bpmn:definitions>'
    ).encode()


def test_a_script_with_a_literal_bomb_is_refused_at_deploy_naming_the_task():
    with pytest.raises(DeploymentRejected) as rejection:
        load_bundle(
            [("bomb.bpmn", script_process("letter = 'a'.ljust(10**9)"))], handler_names=registry.names()
        )
    (problem,) = rejection.value.problems
    assert problem.element == "build"
    assert 'script task "Build the letter" has a script' in problem.message
    assert "1,000,000" in problem.message


def dmn(cell: str) -> bytes:
    return (
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="d" namespace="x">'
        '<decision id="pick" name="Pick"><decisionTable id="table"><input id="in" label="Tier">'
        '<inputExpression id="ie" typeRef="string"><text>tier</text></inputExpression></input>'
        '<output id="out" name="letter" typeRef="string"/><rule id="r1"><inputEntry id="c1"><text>-</text>'
        f'</inputEntry><outputEntry id="o1"><text>{cell}</text></outputEntry></rule></decisionTable></decision>'
        "</definitions>"
    ).encode()


def rule_process() -> bytes:
    return script_process("tier = 'gold'").replace(
        b'<bpmn:scriptTask id="build" name="Build the letter"><bpmn:script>tier = \'gold\'</bpmn:script>'
        b"</bpmn:scriptTask>",
        b'<bpmn:businessRuleTask id="build" name="Build the letter">'
        b"<bpmn:extensionElements><spiffworkflow:calledDecisionId>pick</spiffworkflow:calledDecisionId>"
        b"</bpmn:extensionElements></bpmn:businessRuleTask>",
    )


def test_a_decision_cell_with_a_literal_bomb_is_refused_at_deploy():
    files = [("bomb.bpmn", rule_process()), ("pick.dmn", dmn("'{:&gt;999999999}'.format('a')"))]
    with pytest.raises(DeploymentRejected) as rejection:
        load_bundle(files, handler_names=registry.names())
    messages = [p.message for p in rejection.value.problems if p.file == "pick.dmn"]
    assert any("rule 1: output" in m and "1,000,000" in m for m in messages), rejection.value.problems


# --- run time, through the engine: an incident on the case ----------------------------------------------------


def test_a_script_bomb_at_run_time_becomes_an_incident_on_the_case(session, clock):
    deployment.deploy(
        session, [("bomb.bpmn", script_process("letter = 'a'.ljust(width)"))], actor="t", clock=clock
    )
    case = CaseEngine(session, clock).start_case("bomb", {"width": BIG}, actor="t")
    assert case.status == CaseStatus.INCIDENT
    incident = session.scalars(select(Incident).where(Incident.case_id == case.id)).one()
    assert "Build the letter" in incident.message and "1,000,000" in incident.message


def test_a_decision_cell_bomb_at_run_time_becomes_an_incident_on_the_case(session, clock):
    files = [("bomb.bpmn", rule_process()), ("pick.dmn", dmn("'a'.ljust(width)"))]
    deployment.deploy(session, files, actor="t", clock=clock)
    case = CaseEngine(session, clock).start_case("bomb", {"width": BIG}, actor="t")
    assert case.status == CaseStatus.INCIDENT
    incident = session.scalars(select(Incident).where(Incident.case_id == case.id)).one()
    assert "1,000,000" in incident.message
