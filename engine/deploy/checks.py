"""Deploy-time checks of one BPMN diagram: what SpiffWorkflow would refuse late, ignore, or run wrongly.

Each check reads the XML, not SpiffWorkflow's specs (which stop at the first error), so that a process owner
sees every problem at once, in words that name the element. Only executable processes are checked: the others
never run. What elements refer to is checked in ``engine.validation_references``, expressions and timers
in ``engine.validation_expressions``; the helpers here (``Diagram``, ``describe``...) serve them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from engine.errors import Problem

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

# SpiffWorkflow parses a process by recursion along its sequence flows (two frames a step) and gives up with
# RecursionError near 490 steps in a row; this limit leaves room for the web request's own stack.
MAX_STEPS_PER_LEVEL = 300
TOO_LONG = (
    "is too long to run: SpiffWorkflow follows a process step by step recursively and cannot handle this "
    "many steps in one level. Move parts of it into sub-processes or call activities."
)

_SCOPES = {"process", "subProcess", "transaction", "adHocSubProcess"}
_ACTIVITIES = {"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask"}
_ACTIVITIES |= {"businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess"}
_GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}
_EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
FLOW_NODES = _ACTIVITIES | _GATEWAYS | _EVENTS
HUMAN_TASKS = {"userTask", "manualTask", "task"}
# Event definitions SpiffWorkflow's parsers look for, by kind of event (bpmn/parser/event_parsers.py).
_TRIGGERS = {
    "startEvent": {"message", "signal", "timer", "conditional"},
    "endEvent": {"message", "cancel", "error", "escalation", "terminate"},
    "intermediateCatchEvent": {"message", "signal", "timer", "conditional"},
    "intermediateThrowEvent": {"message", "signal", "escalation"},
    "boundaryEvent": {"cancel", "error", "escalation", "message", "signal", "timer", "conditional"},
}


@dataclass
class Diagram:
    """One BPMN file of the bundle and the problems found in it."""

    file: str
    root: etree._Element
    problems: list[Problem] = field(default_factory=list)
    _ids: dict[str | None, etree._Element] | None = field(default=None, repr=False)

    def report(self, node: etree._Element, message: str, code: str = "", **params) -> None:
        """Record a problem with ``node``; ``message`` continues the element's description.

        ``code`` and ``params`` let the studio say it in another language (``web/owner/problems.py``); the
        element itself is always the ``what`` parameter.
        """
        params = {"what": ref(node), **params} if code else {}
        self.problems.append(Problem(self.file, f"{describe(node)} {message}", node.get("id"), code, params))

    def processes(self) -> list[etree._Element]:
        """The executable processes (SpiffWorkflow's rule: isExecutable absent or "true")."""
        return [p for p in self.root.iterfind("bpmn:process", NS) if p.get("isExecutable", "true") == "true"]

    def by_id(self, node_id: str | None) -> etree._Element | None:
        if self._ids is None:
            self._ids = {}
            for node in self.root.iter():
                self._ids.setdefault(node.get("id"), node)
        return self._ids.get(node_id) if node_id else None


def local(node: etree._Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def kind(node: etree._Element) -> str:
    """The element's kind in words: ``user task``, ``exclusive gateway``, ``sub-process``."""
    words = re.sub(r"(?<!^)([A-Z])", r" \1", local(node)).lower()
    return words.replace("sub process", "sub-process").replace("ad hoc", "ad-hoc")


def describe(node: etree._Element) -> str:
    """``user task "Review complaint"``, or the id when the element has no name."""
    name = " ".join((node.get("name") or "").split())
    return f'{kind(node)} "{name}"' if name else f"{kind(node)} {node.get('id') or '(no id)'}"


def ref(node: etree._Element | None) -> dict | None:
    """An element as a problem's parameter: its kind (the BPMN tag), name and id."""
    if node is None:
        return None
    return {
        "kind": local(node),
        "name": " ".join((node.get("name") or "").split()),
        "id": node.get("id") or "",
    }


def elements(proc: etree._Element, *names: str) -> Iterator[etree._Element]:
    """BPMN elements called ``names`` anywhere inside ``proc``."""
    for name in names:
        yield from proc.iter(f"{{{BPMN_NS}}}{name}")


def extension(node: etree._Element, name: str) -> etree._Element | None:
    found = node.xpath(f"./bpmn:extensionElements/spiffworkflow:{name}", namespaces=NS)
    return found[0] if found else None


def check_diagram(diagram: Diagram) -> None:
    """Append to ``diagram.problems`` what is wrong with the shape of its executable processes."""
    for data_store in diagram.root.iter(f"{{{BPMN_NS}}}dataStore"):
        diagram.report(data_store, _NO_DATA_STORES, "element.data_store")
    lanes = _lanes(diagram.root)
    for proc in diagram.processes():
        _check_unsupported(diagram, proc)
        _check_loops_and_data(diagram, proc)
        _check_flows(diagram, proc)
        _check_lanes(diagram, proc, lanes)


# --- elements SpiffWorkflow refuses, ignores or runs wrongly ------------------------------------------------

_NO_DATA_STORES = "is a data store, which this engine does not provide; keep case data in process variables."
_LINK = (
    "is a link event. SpiffWorkflow reads link events as plain events: a throwing link ends its path and the "
    "catching link is never reached. Connect the two parts with a sequence flow instead."
)
_COMPENSATION = (
    "uses compensation, which SpiffWorkflow parses but never runs: nothing would be undone. Model the undo "
    "work as ordinary tasks (for example after an error boundary event)."
)


def _check_unsupported(diagram: Diagram, proc: etree._Element) -> None:
    report = diagram.report
    for node in elements(proc, "complexGateway"):
        report(
            node,
            "cannot run: SpiffWorkflow refuses complex gateways. Use an inclusive gateway (a condition on "
            "each outgoing flow) or an exclusive gateway instead.",
            "gateway.complex",
        )
    for node in elements(proc, "adHocSubProcess"):
        report(
            node,
            "would start all of its activities at once: SpiffWorkflow does not let people choose among the "
            "activities of an ad-hoc sub-process. Use a sub-process with a parallel or inclusive gateway.",
            "subprocess.ad_hoc",
        )
    for node in proc.iter():
        if node.get("isForCompensation") == "true":
            report(
                node,
                "is a compensation activity, which SpiffWorkflow never runs. Model the undo work as "
                "ordinary tasks.",
                "activity.compensation",
            )
    for node in elements(proc, "dataStoreReference"):
        report(node, _NO_DATA_STORES, "element.data_store")
    for node in elements(proc, "transformation", "assignment"):
        owner = node.getparent().getparent()
        report(
            owner,
            "maps data with a transformation or assignment, which SpiffWorkflow ignores; copy the "
            "data in a script or pre/post script instead.",
            "data.mapping",
        )
    for event in elements(proc, *_EVENTS):
        _check_event_triggers(diagram, event)


def _check_event_triggers(diagram: Diagram, event: etree._Element) -> None:
    event_type = local(event)
    triggers = [local(c) for c in event if local(c).endswith("EventDefinition")]
    for trigger in (t.removesuffix("EventDefinition") for t in triggers):
        if trigger == "link":
            diagram.report(event, _LINK, "event.link")
        elif trigger == "compensate":
            diagram.report(event, _COMPENSATION, "event.compensation")
        elif trigger not in _TRIGGERS[event_type]:
            supported = ", ".join(sorted(_TRIGGERS[event_type]))
            message = (
                f"has {_a(trigger)} trigger, which SpiffWorkflow ignores on {_a(kind(event))}: it would "
                f"behave as if it had none. Supported here: {supported}."
            )
            parent = event.getparent()
            if event_type == "startEvent" and parent is not None and parent.get("triggeredByEvent") == "true":
                message += " (This event sub-process would run as soon as the process starts.)"
            diagram.report(event, message, "event.ignored_trigger", trigger=trigger, supported=supported)
    if event.find("bpmn:eventDefinitionRef", NS) is not None:
        diagram.report(
            event,
            "refers to a shared event definition (eventDefinitionRef), which SpiffWorkflow "
            "ignores; put the event definition inside the event.",
            "event.definition_ref",
        )
    if event_type == "boundaryEvent" and not triggers:
        diagram.report(
            event,
            "has no trigger; a boundary event needs a timer, message, signal, error, "
            "escalation, conditional or cancel definition.",
            "boundary.no_trigger",
        )


def _check_loops_and_data(diagram: Diagram, proc: etree._Element) -> None:
    """What SpiffWorkflow's task parser refuses one at a time, said all at once."""
    for loop in elements(proc, "multiInstanceLoopCharacteristics"):
        given = [n for n in ("loopCardinality", "loopDataInputRef") if loop.find(f"bpmn:{n}", NS) is not None]
        if len(given) != 1:
            diagram.report(
                loop.getparent(),
                "repeats (multi-instance) but must say how often: give either a loop cardinality (a number) "
                "or a loop input collection, not both and not neither.",
                "loop.multi_instance_count",
            )
    for loop in elements(proc, "standardLoopCharacteristics"):
        if loop.get("loopMaximum") is None and loop.find("bpmn:loopCondition", NS) is None:
            diagram.report(
                loop.getparent(),
                "loops but has neither a loop maximum nor a loop condition.",
                "loop.unbounded",
            )
    objects = {o.get("id") for o in elements(proc, "dataObject")}
    references = {r.get("id"): r for r in elements(proc, "dataObjectReference", "dataStoreReference")}
    associations = (
        ".//bpmn:dataInputAssociation/bpmn:sourceRef | .//bpmn:dataOutputAssociation/bpmn:targetRef"
    )
    for ref in proc.xpath(associations, namespaces=NS):
        ref_id = (ref.text or "").strip()
        target = references.get(ref_id)
        if target is not None and (
            local(target) != "dataObjectReference" or target.get("dataObjectRef") in objects
        ):
            continue
        other = diagram.by_id(ref_id)
        diagram.report(
            ref.getparent().getparent(),
            f"is connected to {describe(other) if other is not None else repr(ref_id)}, which is not a data "
            "object of this process; SpiffWorkflow can only connect tasks to data objects.",
            "data.not_an_object",
            target=ref(other) if other is not None else {"kind": "", "name": "", "id": ref_id},
        )


def _a(words: str) -> str:
    return ("an " if words[0] in "aeiou" else "a ") + words


# --- sequence flows and reachability ------------------------------------------------------------------------


def _check_flows(diagram: Diagram, proc: etree._Element) -> None:
    for scope in [proc, *elements(proc, "subProcess", "transaction")]:
        nodes = {n.get("id"): n for n in scope if local(n) in FLOW_NODES and n.get("id")}
        if len(nodes) > MAX_STEPS_PER_LEVEL:
            diagram.report(
                scope,
                f"has {len(nodes)} steps in one level and {TOO_LONG}",
                "scope.too_long",
                steps=len(nodes),
            )
            continue
        outgoing: dict[str, list[etree._Element]] = {}
        for flow in scope.iterfind("bpmn:sequenceFlow", NS):
            outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
        for node_id, node in nodes.items():
            _check_outgoing(diagram, node, outgoing.get(node_id, []))
        _check_reachable(diagram, scope, nodes, outgoing)


_SPLITTERS = {"parallelGateway", "eventBasedGateway", "startEvent", "complexGateway"}


def _check_outgoing(diagram: Diagram, node: etree._Element, flows: list[etree._Element]) -> None:
    node_type = local(node)
    if node_type in ("exclusiveGateway", "inclusiveGateway"):
        if len(flows) > 1:
            for flow in flows:
                conditional = flow.find("bpmn:conditionExpression", NS) is not None
                if not conditional and flow.get("id") != node.get("default"):
                    diagram.report(
                        flow,
                        f"leaves {describe(node)} without a condition and is not its "
                        "default flow; give it a condition or make it the default.",
                        "flow.no_condition",
                        gateway=ref(node),
                    )
        return
    for flow in flows:
        if flow.find("bpmn:conditionExpression", NS) is not None:
            diagram.report(
                flow,
                f"has a condition, but SpiffWorkflow ignores conditions on flows leaving "
                f"{_a(kind(node))}; branch with an exclusive gateway.",
                "flow.condition_ignored",
                source=ref(node),
            )
    if len(flows) > 1 and node_type not in _SPLITTERS:
        diagram.report(
            node,
            f"has {len(flows)} outgoing sequence flows, but SpiffWorkflow follows only one "
            "out of a task or event: split with a parallel gateway, or choose with an "
            "exclusive gateway.",
            "flow.implicit_split",
            count=len(flows),
        )


def _check_reachable(diagram: Diagram, scope: etree._Element, nodes: dict, outgoing: dict) -> None:
    starts = [n for n in nodes.values() if local(n) == "startEvent"]
    if not starts:
        diagram.report(scope, "has no start event; add one where the work begins.", "scope.no_start")
        return
    if local(scope) != "process":
        if len(starts) > 1:
            diagram.report(
                scope,
                f"has {len(starts)} start events; a sub-process needs exactly one.",
                "subprocess.starts",
                count=len(starts),
            )
        if not any(local(n) == "endEvent" for n in nodes.values()):
            diagram.report(scope, "has no end event; a sub-process needs one.", "subprocess.no_end")
    attached: dict[str, list[str]] = {}
    for node_id, node in nodes.items():
        if local(node) == "boundaryEvent":
            attached.setdefault(node.get("attachedToRef"), []).append(node_id)
    roots = [n.get("id") for n in starts]
    roots += [i for i, n in nodes.items() if n.get("triggeredByEvent") == "true"]
    # A catching link is reported already; what follows it is not unreachable too.
    roots += [i for i, n in nodes.items() if n.find("bpmn:linkEventDefinition", NS) is not None]
    seen: set[str] = set()
    while roots:
        node_id = roots.pop()
        if node_id in seen or node_id not in nodes:
            continue
        seen.add(node_id)
        roots.extend(f.get("targetRef") for f in outgoing.get(node_id, []))
        roots.extend(attached.get(node_id, []))
    reported = {p.element for p in diagram.problems}
    for node_id, node in nodes.items():
        if node_id not in seen and node_id not in reported:
            diagram.report(
                node,
                "cannot be reached from a start event, so it would never run; connect it or remove it.",
                "element.unreachable",
            )


# --- lanes --------------------------------------------------------------------------------------------------


def _lanes(root: etree._Element) -> dict[str, str | None]:
    """Lane name by flow node id, as SpiffWorkflow reads it (the innermost lane wins)."""
    lanes: dict[str, str | None] = {}
    for ref in root.iter(f"{{{BPMN_NS}}}flowNodeRef"):
        if ref.text:
            name = ref.getparent().get("name")
            lanes[ref.text.strip()] = name.strip() if name and name.strip() else None
    return lanes


def _check_lanes(diagram: Diagram, proc: etree._Element, lanes: dict[str, str | None]) -> None:
    for task in elements(proc, *HUMAN_TASKS):
        # SpiffWorkflow gives everything inside a sub-process the sub-process's lane, if it has one.
        scopes = [a for a in task.iterancestors() if local(a) in _SCOPES - {"process"}]
        chain = [*reversed(scopes), task]
        lane = next((lanes[n.get("id")] for n in chain if lanes.get(n.get("id"))), None)
        if lane:
            continue
        in_unnamed = any(n.get("id") in lanes for n in chain)
        waits = " (a plain task waits for a person in SpiffWorkflow)" if local(task) == "task" else ""
        if in_unnamed:
            diagram.report(
                task,
                f"is in a lane without a name{waits}; name the lane after the department "
                "that does this work.",
                "lane.unnamed",
            )
        else:
            diagram.report(
                task,
                f"is not in any lane{waits}; put it in the lane of the department that does this work.",
                "lane.missing",
            )
