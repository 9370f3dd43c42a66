"""load_bundle accepts runnable bundles and refuses everything else with problems naming file and element."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.deploy import bundle as bundle_rules
from engine.deploy import checks
from engine.deploy import files as file_rules
from engine.deploy.bundle import Bundle, load_bundle
from engine.deploy.files import UPLOAD
from engine.errors import DeploymentRejected, Problem
from handlers import registry

DATA = Path(__file__).resolve().parents[1] / "data" / "validation"
HEAD = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
)


def files(*names: str) -> list[tuple[str, bytes]]:
    return [(name, (DATA / name).read_bytes()) for name in names]


def load(bundle: list[tuple[str, bytes]], **kwargs) -> Bundle:
    kwargs.setdefault("handler_names", registry.names())
    return load_bundle(bundle, **kwargs)


def refused(bundle: list[tuple[str, bytes]], **kwargs) -> list[Problem]:
    """The problems ``bundle`` is refused with, each checked to be readable and to name its file."""
    with pytest.raises(DeploymentRejected) as rejection:
        load(bundle, **kwargs)
    problems = rejection.value.problems
    for problem in problems:
        assert problem.file and problem.message
        assert "Traceback" not in problem.message
    return problems


def messages_for(problems: list[Problem], element: str) -> str:
    return "\n".join(p.message for p in problems if p.element == element)


def chain_bpmn(steps: int) -> bytes:
    """A process of ``steps`` plain tasks in a row, all in one lane."""
    refs = "".join(f"<bpmn:flowNodeRef>t{i}</bpmn:flowNodeRef>" for i in range(steps))
    tasks = "".join(
        f'<bpmn:task id="t{i}"/><bpmn:sequenceFlow id="f{i}" sourceRef="{f"t{i - 1}" if i else "start"}" '
        f'targetRef="t{i}"/>'
        for i in range(steps)
    )
    return (
        f'{HEAD}<bpmn:process id="long_chain" isExecutable="true"><bpmn:laneSet id="ls">'
        f'<bpmn:lane id="desk" name="Desk">{refs}</bpmn:lane></bpmn:laneSet><bpmn:startEvent id="start"/>'
        f'{tasks}<bpmn:endEvent id="end"/>'
        f'<bpmn:sequenceFlow id="last" sourceRef="t{steps - 1}" targetRef="end"/>'
        "</bpmn:process></bpmn:definitions>"
    ).encode()


# --- accepted bundles ---------------------------------------------------------------------------------------


def test_valid_bundle_loads_with_its_process_forms_and_sources():
    bundle = load(files("valid.bpmn", "review.json"))
    assert bundle.process_ids == ["valid_complaint"]
    assert bundle.forms["review.json"]["title"] == "Review complaint"
    assert set(bundle.sources) == {"valid.bpmn", "review.json"}
    spec, subprocess_specs = bundle.specs["valid_complaint"]
    assert spec.task_specs["review"].lane == "Complaints desk"
    assert spec.task_specs["record_outcome"].operation_name == "record"
    assert subprocess_specs == {}


def test_decision_table_with_comparisons_ranges_and_text_cells_loads():
    bundle = load(files("decide_tier.bpmn", "tier.dmn"))
    assert bundle.process_ids == ["tier_process"]
    assert "tier_decision" in bundle.parser.dmn_parsers


def test_call_activity_resolves_to_a_process_of_the_same_bundle():
    bundle = load(files("caller.bpmn", "fraud_investigation.bpmn"))
    assert sorted(bundle.process_ids) == ["caller_process", "fraud_investigation"]
    assert set(bundle.specs["caller_process"][1]) == {"fraud_investigation"}


def test_call_activity_resolves_to_a_process_deployed_earlier():
    library = dict(files("fraud_investigation.bpmn", "valid.bpmn"))
    bundle = load(files("caller.bpmn"), library=library)
    assert bundle.process_ids == ["caller_process"]
    assert set(bundle.specs["caller_process"][1]) == {"fraud_investigation"}


def test_library_copy_of_a_process_the_bundle_redeploys_is_left_out():
    library = dict(files("fraud_investigation.bpmn"))
    bundle = load(files("caller.bpmn", "fraud_investigation.bpmn"), library=library)
    assert sorted(bundle.process_ids) == ["caller_process", "fraud_investigation"]


# --- refusals naming the element ----------------------------------------------------------------------------

REFUSALS = [
    ("link_event.bpmn", "jump", 'intermediate throw event "Go to review" is a link event'),
    ("link_event.bpmn", "land", 'intermediate catch event "Review" is a link event'),
    ("compensation.bpmn", "undo_freeze", 'boundary event "Undo freeze" uses compensation'),
    ("compensation.bpmn", "compensate", 'intermediate throw event "Roll back" uses compensation'),
    ("compensation.bpmn", "unfreeze", 'service task "Unfreeze card" is a compensation activity'),
    ("complex_gateway.bpmn", "decide", 'complex gateway "Two of three agree" cannot run'),
    ("ad_hoc.bpmn", "checks", 'ad-hoc sub-process "Background checks" would start all of its activities'),
    ("ignored_triggers.bpmn", "error_start", "error trigger, which SpiffWorkflow ignores on a start event"),
    ("ignored_triggers.bpmn", "error_start", "would run as soon as the process starts"),
    ("ignored_triggers.bpmn", "end", 'end event "Tell the branches" has a signal trigger'),
    ("no_lane.bpmn", "review", 'user task "Review complaint" is not in any lane'),
    ("no_lane.bpmn", "file_letter", 'manual task "File the letter" is not in any lane'),
    ("no_lane.bpmn", "call_customer", 'user task "Call customer" is in a lane without a name'),
    ("script_import_os.bpmn", "tidy_up", 'script task "Tidy up" has a script "import os; os.system('),
    ("script_import_os.bpmn", "tidy_up", "import is not allowed"),
    ("condition_dunder.bpmn", "sneaky", 'sequence flow "Sneaky" has the condition "().__class__'),
    ("condition_dunder.bpmn", "sneaky", '"__globals__" is an invalid attribute name'),
    ("timer_import.bpmn", "wait", 'intermediate catch event "Cooling-off period" has the timer duration'),
    ("timer_import.bpmn", "wait", 'calling "__import__" is not allowed'),
    (
        "correlation.bpmn",
        "case_reference",
        'correlation property "Case reference" has the correlation expression',
    ),
    ("other_expressions.bpmn", "review", 'has the preScript "import subprocess" that cannot run'),
    ("other_expressions.bpmn", "review", 'has the postScript "outcome = open('),
    ("other_expressions.bpmn", "review", "has the loop cardinality"),
    ("other_expressions.bpmn", "review", 'has the completion condition "globals()"'),
    ("other_expressions.bpmn", "notify_customer", 'has the parameter "body" "eval(letter)"'),
    ("other_expressions.bpmn", "notify_customer", 'has the loop condition "retries.__len__() < 3"'),
    (
        "bad_timers.bpmn",
        "typo",
        'on user task "Review complaint" has the timer duration "PT1X", which is not',
    ),
    (
        "bad_timers.bpmn",
        "unquoted",
        "has the timer duration INVALID, which is neither a valid ISO-8601 duration",
    ),
    ("bad_timers.bpmn", "deadline", '"2026-13-45T09:00:00Z", which is not a valid ISO-8601 date'),
    ("bad_timers.bpmn", "no_zone", "has no time zone"),
    ("bad_timers.bpmn", "reminder", "repeats every zero seconds"),
    ("bad_timers.bpmn", "forever", "is longer than 100 years"),
    ("bad_timers.bpmn", "empty", "has a timer with no time set"),
    ("references.bpmn", "refund", 'calls the operation "transfer_money", which is not one of the handlers'),
    ("references.bpmn", "refund", 'has parameter "amount" without type'),
    ("references.bpmn", "review", 'uses the form "missing.json", which is not a .json file of this upload'),
    (
        "references.bpmn",
        "investigate",
        'calls process "fraud_investigation", which is neither in this upload',
    ),
    ("references.bpmn", "assess", 'uses decision "no_such_decision", which is not in any DMN file'),
    ("flows.bpmn", "only_if_gold", "SpiffWorkflow ignores conditions on flows leaving a script task"),
    ("flows.bpmn", "other", 'leaves exclusive gateway "Which tier?" without a condition'),
    ("flows.bpmn", "greet", 'script task "Greet" has 2 outgoing sequence flows'),
    ("flows.bpmn", "island", 'script task "Island" cannot be reached from a start event'),
    ("data_store.bpmn", "core_banking", 'data store "Core banking" is a data store'),
    ("data_store.bpmn", "core_banking_ref", 'data store reference "Core banking" is a data store'),
]


@pytest.mark.parametrize(("name", "element", "fragment"), REFUSALS, ids=lambda v: str(v)[:40])
def test_refusal_names_the_element_and_says_why(name, element, fragment):
    problems = refused(files(name, "review.json"))
    assert fragment in messages_for(problems, element), [str(p) for p in problems]
    assert {p.file for p in problems} == {name}


def test_every_problem_of_a_diagram_is_listed_not_just_the_first():
    problems = refused(files("bad_timers.bpmn"))
    assert {p.element for p in problems} == {
        "typo",
        "unquoted",
        "deadline",
        "no_zone",
        "reminder",
        "forever",
        "empty",
    }


def test_handlers_are_the_ones_the_caller_names():
    problems = refused(files("valid.bpmn", "review.json"), handler_names={"notify"})
    assert 'calls the operation "record"' in messages_for(problems, "record_outcome")


def test_form_must_be_named_exactly_as_uploaded():
    bundle = [*files("valid.bpmn"), ("forms/review.json", (DATA / "review.json").read_bytes())]
    problems = refused(bundle)
    assert "the upload has forms/review.json; the property must name it exactly" in messages_for(
        problems, "review"
    )


def test_process_that_is_not_executable_is_refused_with_advice():
    (problem,) = refused(files("not_executable.bpmn"))
    assert problem.file == "not_executable.bpmn"
    assert 'has no executable process: set isExecutable="true"' in problem.message


def test_schema_violation_is_reported_with_its_line():
    problems = refused(files("schema_error.bpmn"))
    assert any("bpmn:teleport" in p.message and "(line 7)" in p.message for p in problems)


# --- decision tables ----------------------------------------------------------------------------------------


def test_decision_table_cells_and_policy_are_checked_as_they_will_run():
    problems = refused(files("decide_tier.bpmn", "bad_tier.dmn"))
    assert all(p.file == "bad_tier.dmn" for p in problems)
    assert "hit policy PRIORITY is not supported" in messages_for(problems, "tier_table")
    cell = messages_for(problems, "big_card_amount")
    assert 'rule 1, input "Amount": the cell "> __import__("os").getpid()" cannot run' in cell
    assert 'calling "__import__" is not allowed' in cell
    assert 'output has the value "open("/etc/passwd").read()"' in messages_for(problems, "middle_tier")


def test_two_files_defining_the_same_decision_are_refused():
    problems = refused(files("decide_tier.bpmn", "tier.dmn", "bad_tier.dmn"))
    assert any("which tier.dmn defines too" in p.message for p in problems)


def test_decisions_alone_are_not_a_deployment():
    problems = refused(files("tier.dmn"))
    assert any(p.file == UPLOAD and "has no BPMN diagram" in p.message for p in problems)


# --- files and forms ----------------------------------------------------------------------------------------


def test_empty_bundle_is_refused():
    (problem,) = refused([])
    assert problem.file == UPLOAD
    assert "is empty" in problem.message


def test_file_of_another_type_is_refused():
    problems = refused([*files("valid.bpmn", "review.json"), ("notes.txt", b"remember the milk")])
    assert [p.file for p in problems] == ["notes.txt"]


def test_bundle_over_the_size_cap_is_refused(monkeypatch):
    monkeypatch.setattr(file_rules, "MAX_BUNDLE_BYTES", 1000)
    (problem,) = refused(files("valid.bpmn", "review.json"))
    assert "the limit is 1,000 bytes" in problem.message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'{"type": "object",', "is not valid JSON"),
        (b'["not", "a", "schema"]', "must be a JSON object"),
        (b'{"type": 5}', "is not a valid JSON Schema"),
        (b'{"$schema": "https://example.org/my-draft", "type": "object"}', "not a JSON Schema draft"),
        (b'{"properties": {"x": {"$ref": "https://evil.example/schema.json"}}}', "must be self-contained"),
        ('{"title": "投诉"}'.encode("utf-16"), None),  # JSON in UTF-16 is still JSON
    ],
)
def test_form_schema_must_be_a_self_contained_json_schema(content, fragment):
    bundle = [*files("valid.bpmn"), ("review.json", content)]
    if fragment is None:
        assert load(bundle).forms["review.json"] == {"title": "投诉"}
        return
    problems = refused(bundle)
    assert any(p.file == "review.json" and fragment in p.message for p in problems), problems


# --- hostile and oversized input ----------------------------------------------------------------------------


def test_latin1_diagram_declared_as_utf8_is_refused_naming_the_file():
    text = (DATA / "valid.bpmn").read_text().replace("Complaints desk", "Réclamations")
    problems = refused([("valid.bpmn", text.encode("latin-1")), *files("review.json")])
    assert [p.file for p in problems] == ["valid.bpmn"]
    assert "not valid UTF-8 at byte" in problems[0].message


def test_doctype_in_a_bundle_file_is_refused_naming_the_file():
    xxe = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'
    problems = refused([*files("valid.bpmn", "review.json"), ("evil.bpmn", xxe)])
    assert [p.file for p in problems] == ["evil.bpmn"]
    assert "root:" not in problems[0].message


def test_five_thousand_tasks_in_a_row_are_refused_as_too_long_quickly():
    started = time.perf_counter()
    problems = refused([("chain.bpmn", chain_bpmn(5000))])
    assert time.perf_counter() - started < 5
    assert "is too long to run" in messages_for(problems, "long_chain")
    assert "sub-processes" in messages_for(problems, "long_chain")


def test_recursion_error_inside_spiffworkflow_becomes_the_same_problem(monkeypatch):
    monkeypatch.setattr(checks, "MAX_STEPS_PER_LEVEL", 1_000_000)
    problems = refused([("chain.bpmn", chain_bpmn(5000))])
    assert [(p.file, p.element) for p in problems] == [("chain.bpmn", "long_chain")]
    assert "is too long to run" in problems[0].message


def test_any_other_spiffworkflow_failure_becomes_a_problem(monkeypatch):
    def broken(self, process_id, required=True):
        raise KeyError("boom")

    monkeypatch.setattr(SpiffBpmnParser, "get_spec", broken)
    (problem,) = refused(files("valid.bpmn", "review.json"))
    assert problem.file == "valid.bpmn"
    assert problem.message == "SpiffWorkflow cannot read this file: KeyError('boom')."


def test_spiffworkflow_validation_error_names_the_element(monkeypatch):
    def picky(self, process_id, required=True):
        raise ValidationException(
            "Something odd", tag="bpmn:userTask", id="review", name="Review complaint", line_number=3
        )

    monkeypatch.setattr(SpiffBpmnParser, "get_spec", picky)
    (problem,) = refused(files("valid.bpmn", "review.json"))
    assert (problem.file, problem.element) == ("valid.bpmn", "review")
    assert problem.message == 'user task "Review complaint": Something odd. (line 3)'


def test_problem_list_is_capped_with_a_count_of_the_rest(monkeypatch):
    monkeypatch.setattr(bundle_rules, "MAX_PROBLEMS", 2)
    problems = refused(files("bad_timers.bpmn"))
    assert len(problems) == 3
    assert problems[-1].message == "5 more problems are not listed; fix these first."


def test_rejection_serialises_to_json_for_the_api():
    with pytest.raises(DeploymentRejected) as rejection:
        load(files("no_lane.bpmn"))
    payload = json.loads(json.dumps(rejection.value.to_dict()))
    assert payload["code"] == "deployment_rejected"
    assert {p["element"] for p in payload["problems"]} == {"review", "file_letter", "call_customer"}
