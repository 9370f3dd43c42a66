"""Deploy-time checks for what the BPMN standard forbids and SpiffWorkflow lets through or fails on late.

These are the constraint violations a conformance suite feeds an engine: flow nodes cut off from the flow,
sequence flows pointing outside their scope, message flows inside one pool, link events without a partner,
conditional events without a condition, and events whose message, signal, error or escalation is missing or
points at nothing. Each is reported on the element, with its id and name, so the process owner can find it.

Deliberate leniency: a catching error or escalation event without a reference catches any error or
escalation, as the standard says, so only throwing ones must name what they throw.
"""

from __future__ import annotations

from lxml import etree

from engine.deploy import checks
from engine.deploy.checks import (
    BPMN_NS,
    FLOW_NODES,
    NS,
    Diagram,
    describe,
    elements,
    local,
    ref,
)

# Ad-hoc sub-processes are left out: their activities have no flows by design (and they are refused anyway).
_SUB_SCOPES = ("subProcess", "transaction")
# Flow nodes that begin a path and so need no incoming sequence flow.
_NO_INCOMING = {"startEvent", "boundaryEvent"}
# Flow nodes that end a path and so need no outgoing sequence flow.
_NO_OUTGOING = {"endEvent"}
_REFERENCES = {
    "message": ("messageRef", "message"),
    "signal": ("signalRef", "signal"),
    "error": ("errorRef", "error"),
    "escalation": ("escalationRef", "escalation"),
}
_THROWING = {"endEvent", "intermediateThrowEvent"}


def check_conformance(diagram: Diagram) -> None:
    """Append to ``diagram.problems`` the standard's constraint violations in its executable processes."""
    processes = diagram.processes()
    for proc in processes:
        for scope in [proc, *elements(proc, *_SUB_SCOPES)]:
            _check_connections(diagram, scope)
        _check_links(diagram, proc)
        for definition in elements(proc, "conditionalEventDefinition"):
            condition = definition.find("bpmn:condition", NS)
            if condition is None or not (condition.text or "").strip():
                diagram.report(
                    definition.getparent(),
                    "is a conditional event with no condition; write the Python condition that triggers "
                    "it (for example amount > 500).",
                    "event.no_condition",
                )
        for event in elements(proc, "startEvent", "endEvent", "boundaryEvent"):
            _check_references(diagram, event)
        for event in elements(proc, "intermediateCatchEvent", "intermediateThrowEvent"):
            _check_references(diagram, event)
    if processes:
        _check_message_flows(diagram)


# --- sequence flows -----------------------------------------------------------------------------------------


def _event_sub_process(node: etree._Element) -> bool:
    return local(node) == "subProcess" and node.get("triggeredByEvent") == "true"


def _check_connections(diagram: Diagram, scope: etree._Element) -> None:
    nodes = {n.get("id"): n for n in scope if local(n) in FLOW_NODES and n.get("id")}
    if len(nodes) > checks.MAX_STEPS_PER_LEVEL:
        return  # refused as too long to run (checks.py); listing each step's flows would only bury that
    incoming: dict[str, int] = {}
    outgoing: dict[str, int] = {}
    for flow in scope.iterfind("bpmn:sequenceFlow", NS):
        for end, counts in (("sourceRef", outgoing), ("targetRef", incoming)):
            node_id = flow.get(end)
            if node_id in nodes:
                counts[node_id] = counts.get(node_id, 0) + 1
                continue
            other = diagram.by_id(node_id)
            where = "this sub-process" if local(scope) != "process" else "this process"
            target = describe(other) if other is not None else f'"{node_id or ""}"'
            side = "starts at" if end == "sourceRef" else "leads to"
            diagram.report(
                flow,
                f"{side} {target}, which is not a step of {where}; a sequence flow connects two steps of "
                "the same process or sub-process (use a message flow between pools).",
                "flow.source_outside" if end == "sourceRef" else "flow.target_outside",
                other=ref(other) if other is not None else f'"{node_id or ""}"',
                scope=ref(scope),
            )
    in_event_sub_process = _event_sub_process(scope)
    for node_id, node in nodes.items():
        node_type = local(node)
        if _event_sub_process(node) or _compensation(node):
            continue  # started by its event / by compensation, never by a flow (compensation is refused)
        if node_type not in _NO_INCOMING and not incoming.get(node_id) and not _link_catch(node):
            diagram.report(
                node,
                "cannot be reached from a start event: it has no incoming sequence flow, so it would never "
                "run; connect it or remove it.",
                "flow.no_incoming",
            )
        if node_type not in _NO_OUTGOING and not outgoing.get(node_id) and not _link_throw(node):
            if node_type == "boundaryEvent" and node.find("bpmn:compensateEventDefinition", NS) is not None:
                continue
            advice = "connect it to the next step, or end the path with an end event."
            if node_type == "startEvent" and in_event_sub_process:
                advice = "connect it to the first step of the event sub-process."
            diagram.report(node, f"has no outgoing sequence flow; {advice}", "flow.no_outgoing")


def _compensation(node: etree._Element) -> bool:
    return node.get("isForCompensation") == "true"


def _link_catch(node: etree._Element) -> bool:
    return local(node) == "intermediateCatchEvent" and node.find("bpmn:linkEventDefinition", NS) is not None


def _link_throw(node: etree._Element) -> bool:
    return local(node) == "intermediateThrowEvent" and node.find("bpmn:linkEventDefinition", NS) is not None


# --- link events --------------------------------------------------------------------------------------------


def _check_links(diagram: Diagram, proc: etree._Element) -> None:
    """Link events are refused anyway (checks.py); an unpaired one gets its own, more precise, reason."""
    for scope in [proc, *elements(proc, *_SUB_SCOPES)]:
        throws = [n for n in scope if _link_throw(n)]
        catches = [n for n in scope if _link_catch(n)]
        caught = {_link_name(n) for n in catches}
        thrown = {_link_name(n) for n in throws}
        for node in throws:
            if _link_name(node) not in caught:
                diagram.report(
                    node,
                    f"throws the link {_shown(_link_name(node))}, but no catching link event of the same "
                    "process level has that name.",
                    "link.no_catch",
                    link=_link_name(node),
                )
        for node in catches:
            if _link_name(node) not in thrown:
                diagram.report(
                    node,
                    f"catches the link {_shown(_link_name(node))}, but no throwing link event of the same "
                    "process level has that name.",
                    "link.no_throw",
                    link=_link_name(node),
                )


def _link_name(node: etree._Element) -> str:
    definition = node.find("bpmn:linkEventDefinition", NS)
    return ((definition.get("name") if definition is not None else None) or node.get("name") or "").strip()


def _shown(name: str) -> str:
    return f'"{name}"' if name else "(without a name)"


# --- event references ---------------------------------------------------------------------------------------


def _check_references(diagram: Diagram, event: etree._Element) -> None:
    throwing = local(event) in _THROWING
    for trigger, (attribute, tag) in _REFERENCES.items():
        definition = event.find(f"bpmn:{trigger}EventDefinition", NS)
        if definition is None:
            continue
        name = (definition.get(attribute) or "").strip()
        if not name:
            if trigger in ("error", "escalation") and not throwing:
                continue  # catches any error / escalation
            verb = "throws" if throwing else "waits for"
            diagram.report(
                event,
                f"{verb} {_a(trigger)} but does not say which ({attribute} is missing); define the "
                f"{trigger} on the diagram and choose it on the event.",
                "reference.throw_missing" if throwing else "reference.wait_missing",
                trigger=trigger,
                attribute=attribute,
            )
            continue
        target = _resolve(diagram, name)
        if target is None or local(target) != tag or etree.QName(target).namespace != BPMN_NS:
            what = f"which is {describe(target)}" if target is not None else "which the file does not define"
            diagram.report(
                event,
                f'refers to the {trigger} "{name}" ({attribute}), {what}; define a bpmn:{tag} with that id '
                "or choose an existing one.",
                "reference.wrong_kind" if target is not None else "reference.undefined",
                trigger=trigger,
                name=name,
                attribute=attribute,
                tag=tag,
                target=ref(target),
            )


def _resolve(diagram: Diagram, node_id: str) -> etree._Element | None:
    found = diagram.by_id(node_id)
    if found is None and ":" in node_id:  # a QName such as tns:Message_1
        found = diagram.by_id(node_id.split(":", 1)[1])
    return found


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


# --- message flows ------------------------------------------------------------------------------------------


def _check_message_flows(diagram: Diagram) -> None:
    """A message flow connects two pools; inside one pool the work is connected by sequence flows."""
    pool_of_process = {
        p.get("processRef"): p for p in diagram.root.iter(f"{{{BPMN_NS}}}participant") if p.get("processRef")
    }
    for flow in diagram.root.iter(f"{{{BPMN_NS}}}messageFlow"):
        ends = [_pool(diagram, flow.get(end), pool_of_process) for end in ("sourceRef", "targetRef")]
        if ends[0] is not None and ends[0] is ends[1]:
            diagram.report(
                flow,
                f"connects two elements of the same pool ({describe(ends[0])}); a message flow runs between "
                "pools. Inside one pool, use a sequence flow.",
                "pool.message_flow",
                pool=ref(ends[0]),
            )


def _pool(diagram: Diagram, node_id: str | None, pools: dict) -> etree._Element | None:
    node = _resolve(diagram, node_id) if node_id else None
    if node is None:
        return None
    if local(node) == "participant":
        return node
    for ancestor in node.iterancestors():
        if local(ancestor) == "process":
            return pools.get(ancestor.get("id"))
    return None
