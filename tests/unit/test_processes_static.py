"""The shipped diagrams, decision tables and forms (processes/): valid, deployable, drawable, true to the standard.

No database. The diagrams are checked as files (XSD, lanes, forms, deadlines, diagram layout), loaded through the
deploy validator, and run in memory with SpiffWorkflow, our sandbox and the real handlers (stub adapters), so a
wrong cell in a decision table or a misspelt variable fails here rather than in a customer's case.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import SpiffWorkflow
from jsonschema import Draft202012Validator
from lxml import etree
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

import handlers
from engine.clock import FrozenClock, engine_clock
from engine.deploy.bundle import load_bundle
from engine.deploy.deployment import read_paths
from engine.scripting import sandbox
from engine.scripting.script_engine import SandboxScriptEngine
from handlers import HandlerContext
from handlers.adapters import KnowledgeBase, LocalCoreBanking
from tests.paths import PROCESSES

FORMS = PROCESSES / "forms"
SPIFF = Path(SpiffWorkflow.__file__).parent
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
DEPARTMENTS = {"frontline", "risk", "operations", "product", "compliance", "supervisor"}
PROCESS_FILES = {
    "complaint.bpmn": "complaint",
    "urgent.bpmn": "urgent_path",
    "general.bpmn": "general_path",
    "advisory.bpmn": "advisory_path",
    "follow_up.bpmn": "result_and_follow_up",
}
BPMN_FILES = sorted(PROCESSES.glob("*.bpmn"), key=lambda p: p.name)
DMN_FILES = sorted(PROCESSES.glob("*.dmn"), key=lambda p: p.name)
FORM_FILES = sorted(FORMS.glob("*.json"), key=lambda p: p.name)
RECEIVED = 'complaint["received_at"]'
# The service standard (MISSION.md): deadline of each task, as (timer kind, due time relative to receipt, or the
# ISO duration from the task's start by tier).
DEADLINES = {
    ("urgent.bpmn", "Contact the customer and form the task force"): ("timeDate", timedelta(minutes=15)),
    ("urgent.bpmn", "Join the task force (operations)"): ("timeDate", timedelta(minutes=15)),
    ("urgent.bpmn", "Join the task force (risk)"): ("timeDate", timedelta(minutes=15)),
    ("urgent.bpmn", "Apply temporary safeguards"): ("timeDate", timedelta(hours=1)),
    ("urgent.bpmn", "Tell the customer which safeguards are in place"): ("timeDate", timedelta(hours=1)),
    ("urgent.bpmn", "Trace the funds and locate the root cause"): ("timeDate", timedelta(hours=2)),
    ("urgent.bpmn", "Give the customer an initial resolution plan"): ("timeDate", timedelta(hours=24)),
    # The initial plan's 24 hours are armed at receipt, on the whole urgent path: a stalled task force escalates.
    ("complaint.bpmn", "Urgent: green channel"): ("timeDate", timedelta(hours=24)),
    ("general.bpmn", "Tell the customer the handling direction"): ("timeDate", timedelta(hours=4)),
    # The segment's duties beside the tier's path: elderly with an account dispute, high net worth.
    ("complaint.bpmn", "Explain fraud protection"): ("timeDate", timedelta(hours=24)),
    ("complaint.bpmn", "Tailored plan"): ("timeDate", timedelta(hours=48)),
    ("general.bpmn", "Explain product compliance"): ("timeDuration", {"general": "PT24H"}),
    ("advisory.bpmn", "Reply with a plan and an expected time"): ("timeDuration", {"advisory": "PT24H"}),
    ("follow_up.bpmn", "Follow-up visit"): (
        "timeDuration",
        {"urgent": "PT24H", "general": "P3D", "advisory": "P7D"},
    ),
    # Where the standard is silent: 24 hours from when the task arrives (the owner changes it in the diagram).
    ("general.bpmn", "Propose a settlement"): ("timeDuration", {"general": "PT24H"}),
    ("general.bpmn", "Revise the settlement"): ("timeDuration", {"general": "PT24H"}),
    ("general.bpmn", "Approve the settlement (supervisor)"): ("timeDuration", {"general": "PT24H"}),
    ("general.bpmn", "Approve the settlement (department head)"): ("timeDuration", {"general": "PT24H"}),
    ("general.bpmn", "Approve the settlement (compliance)"): ("timeDuration", {"general": "PT24H"}),
    ("follow_up.bpmn", "Send the result to the customer"): (
        "timeDuration",
        {"urgent": "PT24H", "general": "PT24H", "advisory": "PT24H"},
    ),
    ("follow_up.bpmn", "Call the customer with the result"): (
        "timeDuration",
        {"urgent": "PT24H", "general": "PT24H", "advisory": "PT24H"},
    ),
}


@functools.cache
def _root(name: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.parse(str(PROCESSES / name), parser).getroot()


def _lanes(root: etree._Element) -> dict[str, str]:
    return {ref.text: ref.getparent().get("name") for ref in root.iterfind(".//bpmn:flowNodeRef", NS)}


def _property(node: etree._Element, name: str) -> str | None:
    prop = node.find(f"bpmn:extensionElements/spiff:properties/spiff:property[@name='{name}']", NS)
    return prop.get("value") if prop is not None else None


def english(name: str) -> str:
    """The English half of a task name: the diagrams name tasks "English 中文"."""
    return re.split(r"\s*[\u3400-\u9fff]", name, maxsplit=1)[0]


def _all(tag: str):
    """(file name, element) for every ``bpmn:tag`` of every shipped diagram."""
    for path in BPMN_FILES:
        for node in _root(path.name).iterfind(f".//bpmn:{tag}", NS):
            yield path.name, node


@pytest.fixture(scope="module")
def bundle():
    return load_bundle(read_paths([PROCESSES]), handler_names=handlers.registry.names())


# --- (1) standard XML ---------------------------------------------------------------------------------------


@functools.cache
def _schema(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path))


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_bpmn_files_are_plain_bpmn_2_0(path):
    # The OMG schema processes extensionElements laxly: SpiffWorkflow's extensions pass, anything else is checked.
    schema = _schema(str(SPIFF / "bpmn" / "parser" / "schema" / "BPMN20.xsd"))
    assert schema.validate(etree.parse(str(path))), schema.error_log


@pytest.mark.parametrize("path", DMN_FILES, ids=lambda p: p.name)
def test_dmn_files_are_dmn_1_3(path):
    schema = _schema(str(SPIFF / "dmn" / "parser" / "schema" / "DMN13.xsd"))
    assert schema.validate(etree.parse(str(path))), schema.error_log


# --- (2) the deploy validator -------------------------------------------------------------------------------


def test_the_folder_deploys_as_one_bundle(bundle):
    assert set(bundle.process_ids) == set(PROCESS_FILES.values())
    for name, pid in PROCESS_FILES.items():
        assert [p.get("id") for p in _root(name).iterfind("bpmn:process", NS)] == [pid]
    assert set(bundle.forms) == {p.name for p in FORM_FILES}


# --- (3) lanes, owners, forms, deadlines ---------------------------------------------------------------------


def test_every_user_task_has_a_department_lane_a_form_and_instructions():
    for file, task in _all("userTask"):
        name = task.get("name")
        assert name, f"{file}: user task {task.get('id')} has no name for the inbox"
        assert _lanes(_root(file)).get(task.get("id")) in DEPARTMENTS, f"{file}: {name}"
        form = _property(task, "formJsonSchemaFilename")
        assert form and (FORMS / form).is_file(), f"{file}: {name} has no form file ({form})"
        assert task.find("bpmn:extensionElements/spiff:instructionsForEndUser", NS) is not None, name


def test_customer_facing_work_goes_to_the_case_owner():
    # First-owner responsibility: every frontline task talks to the customer, so the owner gets all of them;
    # other departments' tasks go to their lane's queue.
    for file, task in _all("userTask"):
        lane = _lanes(_root(file))[task.get("id")]
        owner = _property(task, "assignTo") == "owner"
        assert owner == (lane == "frontline"), f"{file}: {task.get('name')} (lane {lane})"


def test_risk_and_operations_join_the_urgent_task_force_first_and_then_get_its_work():
    root = _root("urgent.bpmn")
    lanes = _lanes(root)
    joins = {
        lanes[t.get("id")]: t for t in root.iterfind(".//bpmn:userTask", NS) if _property(t, "taskForce")
    }
    assert set(joins) == {"operations", "risk"}
    starts = {f.get("targetRef") for f in root.findall(".//bpmn:sequenceFlow[@sourceRef='task_force']", NS)}
    assert {t.get("id") for t in joins.values()} < starts  # in parallel, at the start of the urgent path
    for lane, join in joins.items():
        assert _property(join, "taskForce") == "join"
        assert _property(join, "formJsonSchemaFilename") == "join.schema.json"
        (flow,) = root.findall(f".//bpmn:sequenceFlow[@sourceRef='{join.get('id')}']", NS)
        after = root.find(f".//bpmn:userTask[@id='{flow.get('targetRef')}']", NS)
        assert lanes[after.get("id")] == lane and _property(after, "assignTo") == "task_force", lane
    for file, task in _all("userTask"):
        if _property(task, "assignTo") == "task_force":
            assert file == "urgent.bpmn" and _lanes(_root(file))[task.get("id")] in joins, task.get("name")


def test_the_main_process_starts_with_the_intake_form():
    (start,) = _root("complaint.bpmn").iterfind(".//bpmn:startEvent", NS)
    assert _property(start, "formJsonSchemaFilename") == "intake.schema.json"


def test_every_deadline_escalates_to_the_supervisor_without_stopping_the_work():
    for file, event in _all("boundaryEvent"):
        root = _root(file)
        assert event.find("bpmn:timerEventDefinition", NS) is not None, event.get("id")
        assert event.get("cancelActivity") == "false", f"{file}: {event.get('name')} interrupts its task"
        assert event.get("name"), f"{file}: timer {event.get('id')} has no name"
        (flow,) = root.findall(f".//bpmn:sequenceFlow[@sourceRef='{event.get('id')}']", NS)
        escalate = root.find(f".//bpmn:serviceTask[@id='{flow.get('targetRef')}']", NS)
        assert escalate is not None, f"{file}: {event.get('name')} does not lead to a service task"
        operator = escalate.find("bpmn:extensionElements/spiff:serviceTaskOperator", NS)
        assert operator.get("id") == "escalate"
        params = {p.get("id") for p in operator.iterfind(".//spiff:parameter", NS)}
        assert params == {"step", "limit"}
        assert _lanes(root)[escalate.get("id")] == "supervisor"
        (after,) = root.findall(f".//bpmn:sequenceFlow[@sourceRef='{escalate.get('id')}']", NS)
        assert root.find(f".//bpmn:endEvent[@id='{after.get('targetRef')}']", NS) is not None


def test_the_service_standard_deadlines_are_on_their_tasks():
    received = "2026-03-02T01:00:00+00:00"
    found = {}
    for file, event in _all("boundaryEvent"):
        task = _root(file).find(f".//*[@id='{event.get('attachedToRef')}']", NS)
        (definition,) = event.find("bpmn:timerEventDefinition", NS)
        found[(file, english(task.get("name")))] = (etree.QName(definition).localname, definition.text)
    assert set(found) == set(DEADLINES)
    for key, (kind, expected) in DEADLINES.items():
        actual_kind, expression = found[key]
        assert actual_kind == kind, key
        if kind == "timeDate":
            assert RECEIVED in expression, key  # counted from receipt, not from when the task started
            due = sandbox.evaluate(expression, {"complaint": {"received_at": received}})
            assert datetime.fromisoformat(due) - datetime.fromisoformat(received) == expected, key
        else:
            for tier, duration in expected.items():
                assert sandbox.evaluate(expression, {"tier": tier}) == duration, (key, tier)


def test_splitting_gateways_and_their_flows_are_labelled():
    for tag in ("exclusiveGateway", "parallelGateway", "eventBasedGateway"):
        for file, gateway in _all(tag):
            flows = _root(file).findall(f".//bpmn:sequenceFlow[@sourceRef='{gateway.get('id')}']", NS)
            if len(flows) > 1:
                assert gateway.get("name"), f"{file}: gateway {gateway.get('id')} has no name"
                assert all(f.get("name") for f in flows), f"{file}: a flow out of {gateway.get('name')!r}"


# --- diagram interchange: what an editor needs to draw the diagram ----------------------------------------------


def _bounds(shape: etree._Element) -> tuple[float, float, float, float]:
    b = shape.find("dc:Bounds", NS)
    return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))


@pytest.mark.parametrize("name", list(PROCESS_FILES))
def test_every_element_is_drawn(name):
    root = _root(name)
    shapes = {s.get("bpmnElement"): _bounds(s) for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    (plane,) = root.iterfind(".//bpmndi:BPMNPlane", NS)
    (collaboration,) = root.iterfind("bpmn:collaboration", NS)
    assert plane.get("bpmnElement") == collaboration.get("id")
    (process,) = root.iterfind("bpmn:process", NS)
    lanes = _lanes(root)
    lane_ids = {lane.get("name"): lane.get("id") for lane in root.iterfind(".//bpmn:lane", NS)}
    for participant in collaboration.iterfind("bpmn:participant", NS):
        assert participant.get("processRef") == process.get("id")
        assert participant.get("id") in shapes
    for node in process:
        kind = etree.QName(node).localname
        if kind in ("laneSet", "documentation", "sequenceFlow", "extensionElements"):
            continue
        assert node.get("id") in shapes, f"{name}: {kind} {node.get('id')} has no shape"
        x, y, w, h = shapes[node.get("id")]
        assert w > 0 and h > 0
        if node.get("id") in lanes:  # the shape sits inside its lane's swimlane
            lx, ly, lw, lh = shapes[lane_ids[lanes[node.get("id")]]]
            assert lx <= x and x + w <= lx + lw and ly <= y and y + h <= ly + lh, f"{name}: {node.get('id')}"
        if kind == "boundaryEvent":  # on the bottom edge of its task
            tx, ty, tw, th = shapes[node.get("attachedToRef")]
            assert y + h / 2 == ty + th and tx <= x + w / 2 <= tx + tw, f"{name}: {node.get('id')}"
    for lane_id in lane_ids.values():
        assert lane_id in shapes
    for flow in process.iterfind("bpmn:sequenceFlow", NS):
        edge = edges.get(flow.get("id"))
        assert edge is not None, f"{name}: flow {flow.get('id')} has no edge"
        points = [(float(p.get("x")), float(p.get("y"))) for p in edge.iterfind("di:waypoint", NS)]
        assert len(points) >= 2
        for (x1, y1), (x2, y2) in itertools.pairwise(points):
            assert x1 == x2 or y1 == y2, f"{name}: flow {flow.get('id')} is not orthogonal"
        for end, point in ((flow.get("sourceRef"), points[0]), (flow.get("targetRef"), points[-1])):
            x, y, w, h = shapes[end]
            assert x <= point[0] <= x + w and y <= point[1] <= y + h, f"{name}: {flow.get('id')} misses {end}"


# --- forms -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FORM_FILES, ids=lambda p: p.name)
def test_forms_are_closed_titled_json_schemas(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    stack = [schema]
    while stack:
        node = stack.pop()
        assert node.get("additionalProperties") is False and node.get("title"), path.name
        for field_name, field in node["properties"].items():
            assert field.get("title") and field.get("description"), f"{path.name}: {field_name}"
            if field.get("type") == "object":
                stack.append(field)
    referenced = {_property(t, "formJsonSchemaFilename") for _, t in _all("userTask")} | {
        "intake.schema.json"
    }
    assert path.name in referenced, f"{path.name} is used by no task"


def _form(name: str) -> Draft202012Validator:
    schema = json.loads((FORMS / name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_intake_form_describes_the_data_contract():
    form = _form("intake.schema.json")
    case = {
        "complaint": {
            "channel": "phone",
            "business_type": "bank_card",
            "category": "card_theft",
            "description": "我的卡被盗刷了",
            "amount": 8000,
            "occurred_at": None,
            "received_at": "2026-03-02T01:00:00+00:00",
            "language": "zh",
        },
        "customer": {"id": "K1", "name": "李雷", "phone": "13800000000", "segment": "elderly"},
    }
    assert not list(form.iter_errors(case))
    for path, bad in [
        (("complaint", "description"), "x" * 10001),
        (("complaint", "amount"), 100_000_001),
        (("complaint", "category"), "complaint"),
        (("customer", "segment"), "vip"),
    ]:
        broken = {k: dict(v) for k, v in case.items()}
        broken[path[0]][path[1]] = bad
        assert list(form.iter_errors(broken)), path
    for path in [("complaint", "channel"), ("complaint", "description"), ("customer", "phone")]:
        broken = {k: dict(v) for k, v in case.items()}
        del broken[path[0]][path[1]]
        assert list(form.iter_errors(broken)), path


def test_result_form_requires_cause_solution_and_advice():
    form = _form("result.schema.json")
    good = {"cause": "c", "solution": "s", "advice": "a"}
    assert not list(form.iter_errors(good))
    assert list(form.iter_errors(good | {"advice": "   "}))
    # No channel to pick: the result always goes by SMS, app push and a phone call.
    assert list(form.iter_errors(good | {"channels": ["sms"]}))
    assert list(form.iter_errors({k: v for k, v in good.items() if k != "cause"}))


# --- decision tables --------------------------------------------------------------------------------------------


def _decide(bundle, decision_id: str, data: dict) -> dict:
    engine = SandboxScriptEngine(handlers.registry, lambda task: None)
    spec = SimpleNamespace(bpmn_name=decision_id, bpmn_id=decision_id, name=decision_id)
    task = SimpleNamespace(data=data, workflow=SimpleNamespace(script_engine=engine), task_spec=spec)
    return bundle.parser.get_engine(decision_id, None).result(task)


@pytest.mark.parametrize(
    ("description", "words"),
    [
        ("我的银行卡被盗刷了", {"盗刷", "被盗"}),
        ("Someone STOLE... my card was stolen and used for Fraudulent payments", {"stolen", "fraud"}),
        ("I was scammed, my account is frozen", {"scam", "frozen"}),
        ("账户被冻结，怀疑诈骗", {"冻结", "诈骗"}),
        ("When does the branch open on Saturday?", set()),
        ("账户出现不明扣款，资金被人盗用", {"不明扣款", "盗用"}),
        ("一笔未经授权的转账，另一笔也未授权", {"未经授权", "未授权"}),
        ("80,000 CNY left my account without permission", {"without permission"}),
        ("They took the money without my permission", {"without my permission"}),
        ("I didn't authorise this payment", {"didn't authorise"}),
        ("I did not authorize it", {"did not authorize"}),
    ],
)
def test_risk_words_collect_every_word_found(bundle, description, words):
    result = _decide(bundle, "risk_words", {"complaint": {"description": description}})
    # Hit policy COLLECT: a list of every match; no match adds nothing (the task's pre-script starts it as []).
    assert set(result.get("risk_word", [])) == words


@pytest.mark.parametrize(
    ("category", "amount", "segment", "risk_hit", "repeat", "business_type", "expected"),
    [
        ("service_attitude", None, "standard", True, False, "deposit", ("urgent", "P1", "fund_safety")),
        ("card_theft", 800, "standard", False, False, "bank_card", ("urgent", "P2", "fund_safety")),
        (
            "abnormal_transaction",
            60000,
            "standard",
            False,
            False,
            "payment_settlement",
            ("urgent", "P1", "fund_safety"),
        ),
        ("fund_frozen", 100, "elderly", False, False, "deposit", ("urgent", "P1", "fund_safety")),
        ("fee_dispute", 30, "standard", False, False, "bank_card", ("general", "P3", "pricing_fees")),
        ("fee_dispute", 30, "standard", False, True, "bank_card", ("general", "P2", "pricing_fees")),
        ("fee_dispute", 30, "high_net_worth", False, True, "bank_card", ("general", "P1", "pricing_fees")),
        (
            "product_dispute",
            9000,
            "standard",
            False,
            False,
            "wealth_management",
            ("general", "P3", "information_disclosure"),
        ),
        ("product_dispute", 9000, "standard", False, False, "loan", ("general", "P3", "contract_terms")),
        ("service_attitude", None, "elderly", False, False, "deposit", ("general", "P2", "service_attitude")),
        (
            "service_attitude",
            None,
            "standard",
            False,
            False,
            "personal_information",
            ("general", "P2", "personal_information"),
        ),
        ("business_inquiry", None, "standard", False, False, "deposit", ("advisory", "P4", "other")),
        ("suggestion", None, "elderly", False, True, "other", ("advisory", "P2", "other")),
        ("something_new", None, "standard", False, False, "other", ("general", "P3", "other")),
        # A large abnormal movement goes urgent whatever category the customer picked.
        ("fee_dispute", 80000, "standard", False, False, "bank_card", ("urgent", "P1", "fund_safety")),
        ("service_attitude", 50001, "standard", False, False, "deposit", ("urgent", "P1", "fund_safety")),
        ("fee_dispute", 50000, "standard", False, False, "bank_card", ("general", "P3", "pricing_fees")),
        (
            "product_dispute",
            80000,
            "standard",
            False,
            False,
            "wealth_management",
            ("general", "P3", "information_disclosure"),
        ),
    ],
)
def test_triage(bundle, category, amount, segment, risk_hit, repeat, business_type, expected):
    data = {
        "complaint": {"category": category, "amount": amount, "business_type": business_type},
        "customer": {"segment": segment},
        "risk_hit": risk_hit,
        "history": {"is_repeat": repeat},
    }
    result = _decide(bundle, "triage", data)
    assert (result["tier"], result["priority"], result["cause_class"]) == expected


@pytest.mark.parametrize(
    ("category", "amount", "expected"),
    [
        ("fee_dispute", 0, ("none", 0)),
        ("fee_dispute", 500, ("direct", 0)),
        ("fee_dispute", 500.01, ("approval", 1)),
        ("product_dispute", 300, ("approval", 1)),
        ("service_attitude", 50, ("direct", 0)),
        ("business_inquiry", 500, ("direct", 0)),
        ("service_attitude", 501, ("approval", 1)),
        ("service_attitude", 5000, ("approval", 1)),
        ("fee_dispute", 5001, ("approval", 2)),
        ("product_dispute", 50000, ("approval", 2)),
        ("product_dispute", 50001, ("approval", 3)),
    ],
)
def test_compensation_route(bundle, category, amount, expected):
    result = _decide(
        bundle, "compensation_route", {"complaint": {"category": category}, "compensation_amount": amount}
    )
    assert (result["route"], result["approval_levels"]) == expected


def test_the_agents_authority_is_one_cell():
    # A process owner changes the 500 CNY limit in one place.
    root = etree.parse(str(PROCESSES / "compensation.dmn")).getroot()
    cells = [c.text for c in root.iterfind(".//{https://www.omg.org/spec/DMN/20191111/MODEL/}text")]
    assert [c for c in cells if re.search(r"\b500\b", c or "")] == ["<= 500"]


# --- the paths, run in memory -----------------------------------------------------------------------------------

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
ANSWERS = {
    "Contact the customer and form the task force": {"reached": True, "note": "task force on it"},
    "Join the task force (operations)": {"reachable_at": "ext. 6021"},
    "Join the task force (risk)": {"reachable_at": "ext. 7140"},
    "Apply temporary safeguards": {"action": "freeze", "account": "6222000011112222"},
    "Tell the customer which safeguards are in place": {"reached": True},
    "Trace the funds and locate the root cause": {"root_cause": "skimming", "funds_traced": True},
    "Give the customer an initial resolution plan": {"plan": "refund after the investigation"},
    "Tell the customer the handling direction": {"direction": "we check the fee"},
    "Propose a settlement": {"compensation_amount": 300, "apology": "Sorry.", "account": "6222"},
    "Revise the settlement": {"compensation_amount": 100, "apology": "Sorry again.", "account": "6222"},
    "Approve the settlement (supervisor)": {"approved": True},
    "Approve the settlement (department head)": {"approved": True},
    "Approve the settlement (compliance)": {"approved": True},
    "Explain product compliance": {"explanation": "sold with the right disclosures"},
    "Reply with a plan and an expected time": {
        "plan": "we ask IT",
        "expected_by": "2026-03-03T10:00:00+08:00",
    },
    "Send the result to the customer": {
        "cause": "c",
        "solution": "s",
        "advice": "a",
    },
    "Call the customer with the result": {"reached": True},
    "Follow-up visit": {"resolved": True, "satisfaction": 5, "recommend": 9},
    "Rework the unresolved complaint": {"what_was_done": "fixed it"},
}


class _History:
    def __init__(self, repeat: bool = False):
        self.repeat = repeat

    def for_customer(self, customer_id, category, description, exclude_case_id):
        return {
            "earlier": [],
            "open_cases": 0,
            "segment": "standard",
            "risk_flags": [],
            "is_repeat": self.repeat,
            "repeat_of": None,
        }


class _Case:
    """A case run in memory: the complaint process with stub adapters and a clock that moves when told."""

    def __init__(self, bundle, complaint: dict, customer: dict | None = None, answers: dict | None = None):
        spec, subprocesses = bundle.specs["complaint"]
        self.workflow = BpmnWorkflow(spec, subprocesses)
        self.clock = FrozenClock(START)
        self.answers = ANSWERS | (answers or {})
        self.done: list[str] = []
        self.context = HandlerContext(
            None,
            "C1",
            "",
            {},
            START,
            adapters={
                "history": _History(),
                "core_banking": LocalCoreBanking(),
                "knowledge_base": KnowledgeBase.from_file(PROCESSES / "knowledge_base.toml"),
            },
        )

        def context_for(task):
            self.context.data, self.context.task_name = task.data, task.task_spec.bpmn_name or ""
            return self.context

        self.workflow.script_engine = SandboxScriptEngine(handlers.registry, context_for)
        data = {
            "complaint": {
                "channel": "app",
                "business_type": "bank_card",
                "description": "",
                "amount": None,
                "occurred_at": None,
                "received_at": START.isoformat(),
                "language": "zh",
            }
            | complaint,
            "customer": {"id": "K1", "name": "Li Lei", "phone": "13800000000", "segment": "standard"}
            | (customer or {}),
            "case": {"id": 1, "reference": "C1"},
        }
        for task in self.workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        self._steps()

    def _steps(self, refresh: bool = False):
        with engine_clock(self.clock):
            if refresh:
                self.workflow.refresh_timers()
            self.workflow.do_engine_steps()

    def ready(self) -> list:
        tasks = self.workflow.get_tasks(state=TaskState.READY, manual=True)
        return [t for t in tasks if t.task_spec.bpmn_id is not None]

    def work(self, until: str | None = None) -> _Case:
        """Complete ready human tasks with the prepared answers (lists answer repeats in turn)."""
        for _ in range(50):
            ready = [t for t in self.ready() if english(t.task_spec.bpmn_name) != until]
            if not ready:
                return self
            task = ready[0]
            name = english(task.task_spec.bpmn_name)
            answer = self.answers[name]
            if isinstance(answer, list):
                answer = answer.pop(0) if len(answer) > 1 else answer[0]
            task.task_spec.add_data_from_form(task, dict(answer))
            self.done.append(name)
            with engine_clock(self.clock):
                task.run()
            self._steps()
        raise AssertionError(f"too many steps: {self.done}")

    def message(self, name: str) -> _Case:
        with engine_clock(self.clock):
            self.workflow.catch(BpmnEvent(MessageEventDefinition(name), {}))
        self._steps()
        return self

    def later(self, **delta) -> _Case:
        self.clock.advance(timedelta(**delta))
        self._steps(refresh=True)
        return self

    @property
    def sent(self) -> list[tuple[str, str]]:
        return [(m.channel, m.template) for m in self.context.outbox]


def test_urgent_case_runs_the_green_channel(bundle):
    case = _Case(
        bundle, {"category": "card_theft", "description": "My card was stolen, 盗刷 8000", "amount": 8000}
    )
    assert case.context.case_fields == {
        "tier": "urgent",
        "priority": "P1",
        "cause_class": "fund_safety",
        "risk_warning": "Risk words 风险词: 盗刷, stolen",
    }
    assert {(english(t.task_spec.bpmn_name), t.task_spec.lane) for t in case.ready()} == {
        ("Contact the customer and form the task force", "frontline"),
        ("Join the task force (operations)", "operations"),
        ("Join the task force (risk)", "risk"),
    }
    case.later(minutes=16)  # the task force was not formed in 15 minutes: escalated, the work stays open
    assert sorted(case.context.escalations) == [
        ("task_force", "15 minutes from receipt"),
        ("task_force_operations", "15 minutes from receipt"),
        ("task_force_risk", "15 minutes from receipt"),
    ]
    assert len(case.ready()) == 3
    case.work()
    assert case.workflow.completed
    assert ("sms", "safeguards_in_place") in case.sent and ("sms", "result_notice") in case.sent
    data = case.workflow.last_task.data
    assert data["safeguard_result"]["action"] == "freeze" and data["safeguard_result"]["reference"]


def test_fee_dispute_within_the_agents_authority_is_paid_directly(bundle):
    case = _Case(bundle, {"category": "fee_dispute", "description": "annual fee charged twice"}).work()
    assert case.workflow.completed
    assert "Approve the settlement (supervisor)" not in case.done
    assert case.workflow.last_task.data["compensation"]["amount"] == 300


def test_a_rejected_settlement_goes_back_to_the_owner(bundle):
    answers = {
        "Propose a settlement": {"compensation_amount": 3000, "apology": "Sorry.", "account": "6222"},
        "Approve the settlement (supervisor)": [
            {"approved": False, "comment": "too much"},
            {"approved": True},
        ],
        "Revise the settlement": {"compensation_amount": 2000, "apology": "Sorry.", "account": "6222"},
    }
    case = _Case(bundle, {"category": "fee_dispute", "description": "fee"}, answers=answers).work()
    assert case.done[:5] == [
        "Tell the customer the handling direction",
        "Propose a settlement",
        "Approve the settlement (supervisor)",
        "Revise the settlement",
        "Approve the settlement (supervisor)",
    ]
    assert case.workflow.last_task.data["compensation"]["amount"] == 2000


def test_a_large_product_dispute_needs_three_levels_and_the_product_explanation(bundle):
    answers = {"Propose a settlement": {"compensation_amount": 80000, "apology": "Sorry.", "account": "6222"}}
    case = _Case(
        bundle,
        {
            "category": "product_dispute",
            "business_type": "wealth_management",
            "description": "returns not as promised",
        },
        answers=answers,
    )
    case.work(until="Explain product compliance")
    assert [n for n in case.done if n.startswith("Approve")] == [
        "Approve the settlement (supervisor)",
        "Approve the settlement (department head)",
        "Approve the settlement (compliance)",
    ]
    assert [english(t.task_spec.bpmn_name) for t in case.ready()] == ["Explain product compliance"]
    case.later(hours=25)
    assert (
        "product_explanation",
        "24 hours after the product department got the task",
    ) in case.context.escalations
    assert case.work().workflow.completed


def test_an_advisory_question_answered_by_the_knowledge_base(bundle):
    case = _Case(bundle, {"category": "business_inquiry", "description": "新卡怎么激活？"})
    assert case.sent == [
        ("sms", "complaint_received"),
        ("app_push", "complaint_received"),
        ("sms", "kb_answer"),
        ("app_push", "kb_answer"),
    ]
    assert case.ready() == []
    case.message("answer_accepted")
    # The answer was the result: straight to the follow-up visit, due in 7 days.
    assert [english(t.task_spec.bpmn_name) for t in case.ready()] == ["Follow-up visit"]
    case.later(days=7, minutes=1)
    assert case.context.escalations == [("follow_up", "7 days")]
    assert case.work().workflow.completed


def test_no_reply_to_the_knowledge_base_answer_counts_as_accepted(bundle):
    case = _Case(bundle, {"category": "business_inquiry", "description": "How do I activate my new card?"})
    case.later(days=3, minutes=1)
    assert [english(t.task_spec.bpmn_name) for t in case.ready()] == ["Follow-up visit"]


def test_a_person_replies_when_asked_or_when_the_knowledge_base_has_nothing(bundle):
    asked = _Case(bundle, {"category": "business_inquiry", "description": "新卡怎么激活？"}).message(
        "person_requested"
    )
    nothing = _Case(bundle, {"category": "suggestion", "description": "please add more ATMs"})
    for case in (asked, nothing):
        assert [english(t.task_spec.bpmn_name) for t in case.ready()] == [
            "Reply with a plan and an expected time"
        ]
        assert case.work().workflow.completed
        assert "Send the result to the customer" in case.done


def test_an_unresolved_complaint_is_reworked_and_the_result_sent_again(bundle):
    answers = {"Follow-up visit": [{"resolved": False, "satisfaction": 2}, {"resolved": True}]}
    case = _Case(
        bundle, {"category": "service_attitude", "description": "rude staff"}, answers=answers
    ).work()
    assert case.workflow.completed
    assert case.done.count("Send the result to the customer") == 2
    assert case.done.count("Rework the unresolved complaint") == 1
