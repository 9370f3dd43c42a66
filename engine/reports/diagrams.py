"""The diagrams a case ran on: the BPMN file of its process version and of each process it called, as deployed.

A case keeps the version it started on; the processes it calls (the tier paths) were resolved when that version
was deployed: from the same bundle if it carried them, else the latest version deployed before it. Reading
the XML here gives the page what bpmn-js draws, and the path what SpiffWorkflow does not keep: the ids of
sequence flows (known by their two ends), which task each boundary event is attached to, and what each call
activity calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.deploy.xmlsafe import parse_xml
from engine.errors import NotFound
from engine.models import DeploymentFile, ProcessVersion

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass
class Diagram:
    version: ProcessVersion
    xml: bytes
    flows: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (source, target) → flow ids
    attached: dict[str, str] = field(default_factory=dict)  # boundary event → the task it is attached to
    called: dict[str, str] = field(default_factory=dict)  # call activity → the process it calls
    names: dict[str, str] = field(default_factory=dict)  # element → its name (or its id)
    kinds: dict[str, str] = field(default_factory=dict)  # element → its BPMN type (userTask, boundaryEvent …)
    timers: set[str] = field(default_factory=set)  # the events that wait for a timer

    @property
    def key(self) -> str:
        return self.version.process_key

    def flow_id(self, source: str, target: str) -> str | None:
        ids = self.flows.get((source, target))
        return ids[0] if ids else None


def version(session: Session, process_key: str, number: int) -> ProcessVersion:
    found = session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.process_key == process_key, ProcessVersion.version == number
        )
    )
    if found is None:
        raise NotFound(f"there is no version {number} of the process {process_key!r}")
    return found


def diagram(session: Session, process: ProcessVersion) -> Diagram:
    """The deployed BPMN file of ``process``, with what the path and the heatmap read from it."""
    content = session.scalar(
        select(DeploymentFile.content).where(
            DeploymentFile.deployment_id == process.deployment_id, DeploymentFile.name == process.source_file
        )
    )
    if content is None:
        raise NotFound(f"the diagram of {process.label} is not stored")
    found = Diagram(process, content)
    root = parse_xml(content, filename=process.source_file)
    node = next(
        (p for p in root.iter(f"{{{BPMN}}}process") if p.get("id") == process.process_key),
        None,
    )
    if node is None:
        return found
    for element in node.iter():
        if not isinstance(element.tag, str) or not element.get("id"):
            continue
        kind = element.tag.rsplit("}", 1)[-1]
        ident = element.get("id")
        found.kinds[ident] = kind
        found.names[ident] = element.get("name") or ident
        if kind == "sequenceFlow":
            found.flows.setdefault((element.get("sourceRef"), element.get("targetRef")), []).append(ident)
        elif kind == "boundaryEvent" and element.get("attachedToRef"):
            found.attached[ident] = element.get("attachedToRef")
        elif kind == "callActivity" and element.get("calledElement"):
            found.called[ident] = element.get("calledElement")
        if kind.endswith("Event") and element.find(f"{{{BPMN}}}timerEventDefinition") is not None:
            found.timers.add(ident)
    return found


def called_version(session: Session, process_key: str, caller: ProcessVersion) -> ProcessVersion | None:
    """The version of ``process_key`` that ``caller`` was deployed with (same bundle, else the one before)."""
    same = session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.process_key == process_key, ProcessVersion.deployment_id == caller.deployment_id
        )
    )
    if same is not None:
        return same
    return session.scalar(
        select(ProcessVersion)
        .where(ProcessVersion.process_key == process_key, ProcessVersion.deployment_id < caller.deployment_id)
        .order_by(ProcessVersion.deployment_id.desc())
        .limit(1)
    )


def diagrams_of(session: Session, process: ProcessVersion) -> dict[str, Diagram]:
    """The diagram of ``process`` and of every process it calls, directly or not, by process key."""
    found: dict[str, Diagram] = {}
    waiting = [process]
    while waiting:
        current = waiting.pop()
        if current.process_key in found:
            continue
        found[current.process_key] = shown = diagram(session, current)
        for key in sorted(set(shown.called.values()) - found.keys()):
            called = called_version(session, key, process)
            if called is not None:
                waiting.append(called)
    return found
