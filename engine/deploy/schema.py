"""Check a BPMN file against the OMG schema (XSD), every error at once, each naming its element.

SpiffWorkflow's own validator stops at the first schema error and names only a line. Here the whole error log
is read: each error is tied to the element it is about (its id and name, or the nearest ancestor that has an
id), and errors in the diagram interchange part (``bpmndi``: shapes, edges, bounds, waypoints) become
warnings, since the layout is only drawn, never run; a modeler's sloppy coordinates must not block a deploy.
The broken shape or edge is then dropped from the parsed tree SpiffWorkflow reads (it reads coordinates as
numbers, and uses them to order branches); the file stored with the deployment stays as uploaded.
"""

from __future__ import annotations

import re

from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from engine.deploy.checks import describe, local, ref
from engine.errors import Problem

# The diagram interchange namespaces: layout only.
DI_NAMESPACES = frozenset(
    {
        "http://www.omg.org/spec/BPMN/20100524/DI",
        "http://www.omg.org/spec/DD/20100524/DC",
        "http://www.omg.org/spec/DD/20100524/DI",
    }
)
_SHORT = {
    "{http://www.omg.org/spec/BPMN/20100524/MODEL}": "bpmn:",
    "{http://www.omg.org/spec/BPMN/20100524/DI}": "bpmndi:",
    "{http://www.omg.org/spec/DD/20100524/DC}": "dc:",
    "{http://www.omg.org/spec/DD/20100524/DI}": "di:",
    "{http://spiffworkflow.org/bpmn/schema/1.0/core}": "spiff:",
}
_ELEMENT = re.compile(r"^Element '([^']+)'")
MAX_MESSAGE = 300


def check_schema(file: str, root: etree._Element) -> tuple[list[Problem], list[Problem]]:
    """Validate ``root`` against the BPMN schema; return (refusals, layout warnings).

    Runs SpiffWorkflow's preprocessing first (it renames the correlation expressions bpmn-js writes), as its
    parser would, so that the same documents pass.
    """
    VALIDATOR.preprocess(root)
    schema = VALIDATOR.validator
    if schema.validate(root):
        return [], []
    lines: dict[int, list[etree._Element]] = {}
    for node in root.iter():
        if isinstance(node.tag, str):
            lines.setdefault(node.sourceline or 0, []).append(node)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    broken_layout: list[etree._Element] = []
    for entry in schema.error_log:
        node = _node(root, entry, lines)
        message = _message(entry.message)
        if node is not None and _in_layout(node):
            owner = _owner(node)
            warning = f"layout error, the shape is left out: {message}"
            warnings.append(Problem(file, warning, owner, code="xsd.layout", params={"detail": message}))
            broken_layout.append(_shape(node))
            continue
        if node is None:
            params = {"detail": message, "line": entry.line}
            problems.append(
                Problem(file, f"{message} (line {entry.line})", code="xsd.invalid", params=params)
            )
            continue
        holder = _with_id(node)
        what = describe(holder) if holder is not None else local(node)
        params = {"what": ref(holder) if holder is not None else {"kind": local(node), "name": "", "id": ""}}
        params |= {"detail": message, "line": entry.line}
        problems.append(
            Problem(
                file, f"{what}: {message} (line {entry.line})", _id(holder), code="xsd.element", params=params
            )
        )
    if not problems:
        for node in dict.fromkeys(broken_layout):
            if node.getparent() is not None:
                node.getparent().remove(node)
    return list(dict.fromkeys(problems)), list(dict.fromkeys(warnings))


def _node(root: etree._Element, entry, lines: dict[int, list[etree._Element]]) -> etree._Element | None:
    """The element an error log entry is about: by its path, else by its line and tag."""
    namespaces = {k: v for k, v in (root.nsmap or {}).items() if k}
    path = getattr(entry, "path", None)
    if path:
        try:
            found = root.getroottree().xpath(path, namespaces=namespaces)
        except etree.XPathError:
            found = []
        if found and isinstance(found[0], etree._Element):
            return found[0]
    candidates = lines.get(entry.line, [])
    named = _ELEMENT.match(entry.message)
    if named:
        candidates = [c for c in candidates if c.tag == named.group(1)] or candidates
    return candidates[0] if candidates else None


def _in_layout(node: etree._Element) -> bool:
    return any(etree.QName(n).namespace in DI_NAMESPACES for n in (node, *node.iterancestors()))


def _shape(node: etree._Element) -> etree._Element:
    """The shape or edge holding ``node`` (or ``node`` itself): what is left out when it is broken."""
    for candidate in (node, *node.iterancestors()):
        if local(candidate) in ("BPMNShape", "BPMNEdge", "BPMNLabel"):
            return candidate
    return node


def _with_id(node: etree._Element) -> etree._Element | None:
    return next((n for n in (node, *node.iterancestors()) if n.get("id")), None)


def _id(node: etree._Element | None) -> str | None:
    return node.get("id") if node is not None else None


def _owner(node: etree._Element) -> str | None:
    """The model element a layout shape draws (bpmnElement), else the nearest id."""
    for candidate in (node, *node.iterancestors()):
        if candidate.get("bpmnElement"):
            return candidate.get("bpmnElement")
    return _id(_with_id(node))


def _message(text: str) -> str:
    for namespace, prefix in _SHORT.items():
        text = text.replace(namespace, prefix)
    text = text.strip().rstrip(".") + "."
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."
