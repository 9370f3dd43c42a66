"""Compare two bundles element by element: what a new version adds, removes and changes.

Elements are matched by their id (as SpiffWorkflow does when a case moves to a new version). For each BPMN
element the comparison looks at what our engine reads: its type and name, its flow's ends and condition, its
lane, its timer, its script, the spiffworkflow properties (form, assignTo), instructions, the service-task
handler and its parameters, the decision it calls. Decision tables are compared rule by rule, forms as JSON.
A change of layout only (an element moved on the canvas) is listed apart from changes of meaning.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath
from typing import Any

from lxml import etree

from engine.deploy.checks import BPMN_NS, local
from engine.deploy.xmlsafe import parse_xml
from engine.errors import DeploymentRejected

DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# Children that are elements of their own, or only restate what the flows already say.
_SKIPPED_CHILDREN = {"incoming", "outgoing", "flowNodeRef", "extensionElements", "childLaneSet"}
_TEXT_CHILDREN = {
    "conditionExpression": "condition",
    "script": "script",
    "documentation": "documentation",
    "timeDuration": "timer (duration)",
    "timeDate": "timer (date)",
    "timeCycle": "timer (cycle)",
}


@dataclass
class PropertyChange:
    name: str
    before: str | None
    after: str | None


@dataclass
class ElementChange:
    file: str
    id: str
    type: str
    name: str
    change: str  # added, removed, changed, moved
    properties: list[PropertyChange] = field(default_factory=list)


@dataclass
class FileChange:
    name: str
    kind: str  # bpmn, dmn, form
    status: str  # added, removed, changed, same


@dataclass
class Comparison:
    files: list[FileChange] = field(default_factory=list)
    elements: list[ElementChange] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def count(self, change: str) -> int:
        return sum(1 for e in self.elements if e.change == change)


def compare(before: list[tuple[str, bytes]], after: list[tuple[str, bytes]]) -> Comparison:
    """What changes from the bundle ``before`` to the bundle ``after``."""
    old, new = dict(before), dict(after)
    result = Comparison()
    for name in sorted(old.keys() | new.keys()):
        kind = _kind(name)
        if kind is None:
            continue
        a, b = old.get(name), new.get(name)
        status = "added" if a is None else "removed" if b is None else "same" if a == b else "changed"
        result.files.append(FileChange(name, kind, status))
        if status == "same" or kind == "form":
            if kind == "form" and status == "changed":
                result.elements.append(_form_change(name, a, b))
            continue
        extract = _bpmn_elements if kind == "bpmn" else _dmn_elements
        result.elements.extend(_element_changes(name, extract(name, a), extract(name, b)))
    return result


def _kind(name: str) -> str | None:
    return {".bpmn": "bpmn", ".dmn": "dmn", ".json": "form"}.get(PurePosixPath(name).suffix.lower())


# --- elements and their properties --------------------------------------------------------------------------


@dataclass
class _Element:
    type: str
    name: str
    properties: dict[str, str]
    bounds: str | None = None


def _element_changes(file: str, old: dict[str, _Element], new: dict[str, _Element]) -> list[ElementChange]:
    changes = []
    for element_id in sorted(old.keys() | new.keys()):
        a, b = old.get(element_id), new.get(element_id)
        if a is None or b is None:
            present = a or b
            properties = [
                PropertyChange(k, v if b is None else None, v if a is None else None)
                for k, v in sorted(present.properties.items())
            ]
            change = "added" if a is None else "removed"
            changes.append(ElementChange(file, element_id, present.type, present.name, change, properties))
            continue
        differ = [
            PropertyChange(k, a.properties.get(k), b.properties.get(k))
            for k in sorted(a.properties.keys() | b.properties.keys())
            if a.properties.get(k) != b.properties.get(k)
        ]
        if a.type != b.type:
            differ.insert(0, PropertyChange("type", a.type, b.type))
        if a.name != b.name:
            differ.insert(0, PropertyChange("name", a.name, b.name))
        if differ:
            changes.append(ElementChange(file, element_id, b.type, b.name, "changed", differ))
        elif a.bounds != b.bounds:
            changes.append(ElementChange(file, element_id, b.type, b.name, "moved"))
    return changes


def _parse(name: str, data: bytes) -> etree._Element | None:
    try:
        return parse_xml(data, filename=name)
    except DeploymentRejected:
        return None  # an unreadable file compares as empty; the checks say what is wrong with it


def _bpmn_elements(name: str, data: bytes) -> dict[str, _Element]:
    root = _parse(name, data)
    if root is None:
        return {}
    lanes = {
        ref.text.strip(): lane.get("name") or lane.get("id")
        for lane in root.iter(f"{{{BPMN_NS}}}lane")
        for ref in lane.iterfind(f"{{{BPMN_NS}}}flowNodeRef")
        if ref.text
    }
    bounds = {
        shape.get("bpmnElement"): _bounds(shape)
        for shape in root.iter(f"{{{DI_NS}}}BPMNShape", f"{{{DI_NS}}}BPMNEdge")
    }
    elements: dict[str, _Element] = {}
    for node in root.iter(f"{{{BPMN_NS}}}*"):
        element_id = node.get("id")
        kind = local(node)
        if not element_id or kind in {"definitions", "laneSet"} or _inside_extension(node):
            continue
        properties = {k: v for k, v in node.attrib.items() if k not in ("id", "name") and "}" not in k}
        if element_id in lanes:
            properties["lane"] = lanes[element_id]
        for child in node:
            _child_properties(child, properties)
        elements[element_id] = _Element(kind, node.get("name") or "", properties, bounds.get(element_id))
    return elements


def _inside_extension(node: etree._Element) -> bool:
    return any(local(a) == "extensionElements" for a in node.iterancestors())


def _child_properties(child: etree._Element, properties: dict[str, str]) -> None:
    if not isinstance(child.tag, str):
        return
    kind = local(child)
    if kind in _TEXT_CHILDREN:
        properties[_TEXT_CHILDREN[kind]] = (child.text or "").strip()
    elif kind == "extensionElements":
        _extension_properties(child, properties)
    elif kind.endswith("EventDefinition"):
        properties["event"] = kind.removesuffix("EventDefinition")
        for key, value in child.attrib.items():
            if key != "id":
                properties[f"event {key}"] = value
        for grandchild in child:
            _child_properties(grandchild, properties)
    elif kind not in _SKIPPED_CHILDREN and child.get("id") is None and (child.text or "").strip():
        properties[kind] = child.text.strip()


def _extension_properties(extensions: etree._Element, properties: dict[str, str]) -> None:
    for node in extensions.iter(f"{{{SPIFF_NS}}}*"):
        kind = local(node)
        if kind == "property":
            properties[node.get("name") or "?"] = node.get("value") or ""
        elif kind == "instructionsForEndUser":
            properties["instructions"] = (node.text or "").strip()
        elif kind == "serviceTaskOperator":
            properties["handler"] = node.get("id") or ""
            if node.get("resultVariable"):
                properties["handler result"] = node.get("resultVariable")
        elif kind == "parameter":
            properties[f"parameter {node.get('id')}"] = node.get("value") or ""
        elif kind in ("preScript", "postScript", "calledDecisionId"):
            properties[{"calledDecisionId": "decision"}.get(kind, kind)] = (node.text or "").strip()


def _bounds(shape: etree._Element) -> str:
    """Where a shape or edge is drawn (its own bounds or waypoints, not its label's), to whole pixels."""
    points = [
        ",".join(
            str(round(float(p.get(k, "0")))) for k in ("x", "y", "width", "height") if p.get(k) is not None
        )
        for p in shape
        if isinstance(p.tag, str) and local(p) in ("Bounds", "waypoint")
    ]
    return ";".join(points)


def _dmn_elements(name: str, data: bytes) -> dict[str, _Element]:
    root = _parse(name, data)
    if root is None:
        return {}
    elements: dict[str, _Element] = {}
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        kind = local(node)
        if kind == "decision":
            elements[node.get("id")] = _Element(kind, node.get("name") or "", {})
        elif kind in ("input", "output"):
            properties = {"label": node.get("label") or "", "variable": node.get("name") or ""}
            expression = next(node.iter("{*}text"), None)
            if kind == "input" and expression is not None:
                properties["expression"] = (expression.text or "").strip()
            elements[node.get("id") or f"{kind}?"] = _Element(kind, node.get("label") or "", properties)
        elif kind == "rule":
            properties = {}
            for index, entry in enumerate(e for e in node if local(e) in ("inputEntry", "outputEntry")):
                text = next(entry.iter("{*}text"), None)
                properties[f"{local(entry)} {index + 1}"] = (
                    (text.text or "").strip() if text is not None else ""
                )
            note = next((c for c in node if local(c) == "description"), None)
            if note is not None:
                properties["annotation"] = (note.text or "").strip()
            elements[node.get("id") or "rule?"] = _Element(kind, "", properties)
    return elements


def _form_change(name: str, before: bytes, after: bytes) -> ElementChange:
    """A form that changed, with the JSON paths that differ (to three levels: properties.amount.maximum)."""
    try:
        a, b = json.loads(before), json.loads(after)
    except ValueError:
        return ElementChange(name, name, "form", name, "changed", [PropertyChange("(file)", None, None)])
    changes: list[PropertyChange] = []
    _json_diff(a, b, "", changes, depth=3)
    return ElementChange(name, name, "form", name, "changed", changes)


def _json_diff(a: Any, b: Any, path: str, changes: list[PropertyChange], depth: int) -> None:
    if a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict) and depth > 0:
        for key in sorted(a.keys() | b.keys(), key=str):
            _json_diff(a.get(key), b.get(key), f"{path}.{key}" if path else str(key), changes, depth - 1)
        return
    dump = lambda v: None if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True)[:500]  # noqa: E731
    changes.append(PropertyChange(path or "(form)", dump(a), dump(b)))
