"""Constraint violations a BPMN conformance suite feeds an engine are refused at deploy, naming the element.

Each diagram below is built around one violation; the rest of it is valid, so the refusal is for that reason
alone. Layout (diagram interchange) errors are the exception: they are warnings and the process deploys.
"""

from __future__ import annotations

import itertools

import pytest

from engine.deploy.bundle import Bundle, load_bundle
from engine.errors import DeploymentRejected, Problem
from handlers import registry

HEAD = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
    'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="defs" targetNamespace="x">'
)


def diagram(body: str, before: str = "", after: str = "") -> list[tuple[str, bytes]]:
    """One executable process holding ``body``; ``before``/``after`` go beside it in the definitions."""
    text = f'{HEAD}{before}<bpmn:process id="p" isExecutable="true">{body}</bpmn:process>{after}'
    return [("conformance.bpmn", (text + "</bpmn:definitions>").encode())]


def straight(*middle: str) -> str:
    """start -> each of ``middle`` (flow node XML with ids m0, m1...) -> end, connected in that order."""
    ids = ["start", *(f"m{i}" for i in range(len(middle))), "end"]
    flows = "".join(
        f'<bpmn:sequenceFlow id="s{i}" sourceRef="{a}" targetRef="{b}"/>'
        for i, (a, b) in enumerate(itertools.pairwise(ids))
    )
    return f'<bpmn:startEvent id="start"/>{"".join(middle)}<bpmn:endEvent id="end"/>{flows}'


def load(files: list[tuple[str, bytes]]) -> Bundle:
    return load_bundle(files, handler_names=registry.names())


def refused(files: list[tuple[str, bytes]]) -> list[Problem]:
    with pytest.raises(DeploymentRejected) as rejection:
        load(files)
    return rejection.value.problems


def about(problems: list[Problem], element: str) -> str:
    return "\n".join(p.message for p in problems if p.element == element)


def script(node_id: str, name: str = "Note it") -> str:
    return f'<bpmn:scriptTask id="{node_id}" name="{name}"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'


# --- nodes cut off from the flow ----------------------------------------------------------------------------


def test_a_straight_process_with_a_boundary_event_and_an_event_sub_process_deploys():
    boundary = (
        '<bpmn:boundaryEvent id="late" attachedToRef="m0"><bpmn:timerEventDefinition>'
        '<bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
        '<bpmn:endEvent id="late_end"/><bpmn:sequenceFlow id="l1" sourceRef="late" targetRef="late_end"/>'
    )
    event_sub = (
        '<bpmn:subProcess id="watch" triggeredByEvent="true"><bpmn:startEvent id="watch_start" isInterrupting="false">'
        '<bpmn:timerEventDefinition><bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition>'
        '</bpmn:startEvent><bpmn:endEvent id="watch_end"/>'
        '<bpmn:sequenceFlow id="w1" sourceRef="watch_start" targetRef="watch_end"/></bpmn:subProcess>'
    )
    bundle = load(diagram(straight(script("m0")) + boundary + event_sub))
    assert bundle.process_ids == ["p"]
    assert bundle.warnings == []


def test_a_task_without_outgoing_flow_is_refused_naming_it():
    body = (
        straight(script("m0"))
        + script("dead_end", "Write to file")
        + ('<bpmn:sequenceFlow id="x" sourceRef="m0" targetRef="dead_end"/>')
    )
    # m0 now has two outgoing flows; give the dead end its own gateway-free path instead.
    body = body.replace(
        '<bpmn:sequenceFlow id="x" sourceRef="m0"', '<bpmn:sequenceFlow id="x" sourceRef="start"'
    )
    problems = refused(diagram(body))
    assert 'script task "Write to file" has no outgoing sequence flow' in about(problems, "dead_end")


def test_a_task_without_incoming_flow_is_refused_naming_it():
    body = (
        straight(script("m0"))
        + script("floating", "Floating step")
        + ('<bpmn:sequenceFlow id="x" sourceRef="floating" targetRef="end"/>')
    )
    problems = refused(diagram(body))
    message = about(problems, "floating")
    assert 'script task "Floating step" cannot be reached from a start event' in message
    assert "no incoming sequence flow" in message


def test_a_start_event_without_outgoing_flow_is_refused():
    body = '<bpmn:startEvent id="start" name="Filed"/><bpmn:endEvent id="end"/>'
    problems = refused(diagram(body))
    assert 'start event "Filed" has no outgoing sequence flow' in about(problems, "start")


def test_a_sequence_flow_into_another_scope_is_refused():
    inner = (
        '<bpmn:subProcess id="m0" name="Inner"><bpmn:startEvent id="in_start"/>'
        + script("in_task", "Inside")
        + '<bpmn:endEvent id="in_end"/><bpmn:sequenceFlow id="i1" sourceRef="in_start" targetRef="in_task"/>'
        '<bpmn:sequenceFlow id="i2" sourceRef="in_task" targetRef="in_end"/></bpmn:subProcess>'
    )
    body = (
        straight(inner)
        + '<bpmn:sequenceFlow id="jump" name="Shortcut" sourceRef="start" targetRef="in_task"/>'
    )
    problems = refused(diagram(body))
    assert (
        'sequence flow "Shortcut" leads to script task "Inside", which is not a step of this process'
        in about(problems, "jump")
    )


# --- message flows, links, conditions -----------------------------------------------------------------------


def test_a_message_flow_inside_one_pool_is_refused_naming_it():
    body = straight(script("m0", "Ask"), script("m1", "Answer"))
    collaboration = (
        '<bpmn:collaboration id="c"><bpmn:participant id="bank" name="Bank" processRef="p"/>'
        '<bpmn:messageFlow id="talk" name="Talk to self" sourceRef="m0" targetRef="m1"/></bpmn:collaboration>'
    )
    problems = refused(diagram(body, before=collaboration))
    assert 'message flow "Talk to self" connects two elements of the same pool (participant "Bank")' in about(
        problems, "talk"
    )


def test_a_message_flow_between_two_pools_is_not_refused_for_it():
    body = straight(script("m0", "Ask"))
    collaboration = (
        '<bpmn:collaboration id="c"><bpmn:participant id="bank" name="Bank" processRef="p"/>'
        '<bpmn:participant id="customer" name="Customer"/>'
        '<bpmn:messageFlow id="talk" sourceRef="m0" targetRef="customer"/></bpmn:collaboration>'
    )
    assert load(diagram(body, before=collaboration)).process_ids == ["p"]


def test_a_link_event_without_its_partner_is_refused_saying_so():
    throw = (
        '<bpmn:intermediateThrowEvent id="m0" name="Go on"><bpmn:linkEventDefinition name="page2"/>'
        "</bpmn:intermediateThrowEvent>"
    )
    body = (
        '<bpmn:startEvent id="start"/>'
        + throw
        + '<bpmn:sequenceFlow id="s0" sourceRef="start" targetRef="m0"/>'
    )
    problems = refused(diagram(body))
    assert 'throws the link "page2", but no catching link event' in about(problems, "m0")


def test_a_conditional_event_with_an_empty_condition_is_refused():
    wait = (
        '<bpmn:intermediateCatchEvent id="m0" name="Until approved"><bpmn:conditionalEventDefinition>'
        '<bpmn:condition xsi:type="bpmn:tFormalExpression" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">  </bpmn:condition>'
        "</bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>"
    )
    problems = refused(diagram(straight(wait)))
    assert 'intermediate catch event "Until approved" is a conditional event with no condition' in about(
        problems, "m0"
    )


def test_a_conditional_event_without_a_condition_element_is_refused():
    wait = (
        '<bpmn:intermediateCatchEvent id="m0"><bpmn:conditionalEventDefinition/>'
        "</bpmn:intermediateCatchEvent>"
    )
    problems = refused(diagram(straight(wait)))
    assert "intermediate catch event m0 is a conditional event with no condition" in about(problems, "m0")


# --- references of events -----------------------------------------------------------------------------------

DEFINED = (
    '<bpmn:message id="msg" name="reply"/><bpmn:signal id="sig" name="closed"/>'
    '<bpmn:error id="err" errorCode="E1"/><bpmn:escalation id="esc" escalationCode="X1"/>'
)


def catch(definition: str, name: str = "Wait") -> str:
    return f'<bpmn:intermediateCatchEvent id="m0" name="{name}">{definition}</bpmn:intermediateCatchEvent>'


def throw(definition: str, name: str = "Tell") -> str:
    return f'<bpmn:intermediateThrowEvent id="m0" name="{name}">{definition}</bpmn:intermediateThrowEvent>'


@pytest.mark.parametrize(
    ("event", "fragment"),
    [
        (
            catch("<bpmn:messageEventDefinition/>"),
            "waits for a message but does not say which (messageRef is missing)",
        ),
        (
            catch('<bpmn:messageEventDefinition messageRef="nope"/>'),
            'refers to the message "nope" (messageRef)',
        ),
        (catch('<bpmn:messageEventDefinition messageRef="sig"/>'), 'which is signal "closed"'),
        (
            throw("<bpmn:signalEventDefinition/>"),
            "throws a signal but does not say which (signalRef is missing)",
        ),
        (throw('<bpmn:signalEventDefinition signalRef="gone"/>'), 'refers to the signal "gone"'),
        (throw("<bpmn:escalationEventDefinition/>"), "throws an escalation but does not say which"),
        (throw('<bpmn:escalationEventDefinition escalationRef="msg"/>'), 'which is message "reply"'),
    ],
    ids=[
        "message-missing",
        "message-dangling",
        "message-wrong-kind",
        "signal-missing",
        "signal-dangling",
        "escalation-missing",
        "escalation-wrong-kind",
    ],
)
def test_an_event_whose_reference_is_missing_or_dangling_is_refused(event, fragment):
    problems = refused(diagram(straight(event), before=DEFINED))
    assert fragment in about(problems, "m0"), problems


def test_an_error_end_event_must_say_which_error_and_the_error_must_exist():
    body = (
        '<bpmn:startEvent id="start"/><bpmn:endEvent id="end" name="Give up"><bpmn:errorEventDefinition/>'
        '</bpmn:endEvent><bpmn:sequenceFlow id="s0" sourceRef="start" targetRef="end"/>'
    )
    problems = refused(diagram(body, before=DEFINED))
    assert 'end event "Give up" throws an error but does not say which' in about(problems, "end")
    problems = refused(
        diagram(body.replace("<bpmn:errorEventDefinition/>", '<bpmn:errorEventDefinition errorRef="x"/>'))
    )
    assert 'refers to the error "x" (errorRef), which the file does not define' in about(problems, "end")


def test_a_catching_error_boundary_without_a_reference_catches_any_error_and_deploys():
    boundary = (
        '<bpmn:boundaryEvent id="failed" attachedToRef="m0"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>'
        '<bpmn:endEvent id="failed_end"/><bpmn:sequenceFlow id="f1" sourceRef="failed" targetRef="failed_end"/>'
    )
    events = catch('<bpmn:messageEventDefinition messageRef="msg"/>').replace('id="m0"', 'id="m1"')
    assert load(diagram(straight(script("m0"), events) + boundary, before=DEFINED)).process_ids == ["p"]


# --- the schema: every error named, layout errors only warned about -----------------------------------------


def test_schema_errors_name_the_element_id_and_all_are_listed():
    body = straight(script("m0")) + '<bpmn:teleport id="beam" name="Beam me up"/><bpmn:warp id="warp_1"/>'
    problems = refused(diagram(body))
    assert "teleport \"Beam me up\": Element 'bpmn:teleport': This element is not expected" in about(
        problems, "beam"
    )


def test_a_schema_error_on_an_element_without_id_names_its_nearest_parent_with_one():
    bad = '<bpmn:scriptTask id="m0" name="Odd"><bpmn:script>x = 1</bpmn:script><bpmn:whatever/></bpmn:scriptTask>'
    problems = refused(diagram(straight(bad)))
    assert "script task \"Odd\": Element 'bpmn:whatever'" in about(problems, "m0")


def test_a_layout_error_is_a_warning_and_the_process_still_deploys():
    layout = (
        '<bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="plane" bpmnElement="p">'
        '<bpmndi:BPMNShape id="shape_m0" bpmnElement="m0"><dc:Bounds x="10" y="ten" width="100"/>'
        '</bpmndi:BPMNShape><bpmndi:BPMNEdge id="edge" bpmnElement="s0"/></bpmndi:BPMNPlane></bpmndi:BPMNDiagram>'
    )
    bundle = load(diagram(straight(script("m0")), after=layout))
    assert bundle.process_ids == ["p"]
    assert bundle.warnings, "the broken bounds should be reported"
    assert {w.element for w in bundle.warnings} == {"m0", "s0"}, bundle.warnings
    assert all("layout error" in w.message for w in bundle.warnings)
    assert any("Bounds" in w.message for w in bundle.warnings)


# --- the shared corpus: what deployed before still deploys, layout never refuses ---------------------------


def test_corpus_files_that_deployed_before_still_deploy(corpus):
    path = corpus / "bpmn" / "camunda-modeler-exports" / "A.4.1-export.bpmn"
    bundle = load([(path.name, path.read_bytes())])
    assert bundle.process_ids == ["Process_0h42ymn"]


def test_no_corpus_file_is_refused_for_its_layout(corpus):
    for path in sorted((corpus / "bpmn").rglob("*.bpmn")):
        try:
            load([(path.name, path.read_bytes())])
        except DeploymentRejected as rejection:
            layout = [p for p in rejection.problems if "bpmndi" in p.message or "dc:" in p.message]
            assert layout == [], (path.name, layout)


def test_a_vendor_export_with_broken_layout_deploys_with_warnings(corpus):
    path = corpus / "bpmn" / "camunda-modeler-exports" / "A.4.1-export.bpmn"
    text = path.read_text(encoding="utf-8")
    broken = text.replace('<dc:Bounds x="', '<dc:Bounds x="left-', 1)
    assert broken != text
    bundle = load([(path.name, broken.encode())])
    assert bundle.process_ids == ["Process_0h42ymn"]
    (warning,) = bundle.warnings
    assert "layout error" in warning.message and "dc:Bounds" in warning.message
