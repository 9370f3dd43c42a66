"""What a new file of a draft starts as: an empty form, a one-rule decision table, a start-to-end process.

Each is valid on its own (the deploy validator accepts it), so adding a file never breaks a draft that passed
its checks; the ids inside are derived from the file name, so two new files never clash.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath

from engine.errors import ValidationFailed

KINDS = {"form": ".json", "dmn": ".dmn", "bpmn": ".bpmn"}


def file_name(name: str, kind: str) -> str:
    """``name`` with the kind's suffix added when the owner left it out."""
    if kind not in KINDS:
        raise ValidationFailed("choose the kind of file", {"kind": "must be form, dmn or bpmn"})
    name = name.strip()
    suffix = KINDS[kind]
    return name if name.lower().endswith(suffix) else name + suffix


def starter(name: str) -> bytes:
    """The first content of a new file called ``name`` (its suffix says which kind)."""
    stem = PurePosixPath(name).stem.removesuffix(".schema")
    ident = re.sub(r"\W", "_", stem, flags=re.ASCII).strip("_") or "new"
    if not ident[0].isalpha():
        ident = "f_" + ident
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".json":
        schema = {"type": "object", "title": stem, "properties": {}, "required": []}
        return (json.dumps(schema, indent=2) + "\n").encode()
    if suffix == ".dmn":
        return _DMN.format(id=ident, name=stem).encode()
    return _BPMN.format(id=ident, name=stem).encode()


_DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"
    xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/"
    id="definitions_{id}" name="{name}" namespace="http://bpmn.io/schema/dmn">
  <decision id="{id}" name="{name}">
    <decisionTable id="{id}_table" hitPolicy="FIRST">
      <input id="{id}_input" label="Input">
        <inputExpression id="{id}_input_expression" typeRef="string">
          <text>value</text>
        </inputExpression>
      </input>
      <output id="{id}_output" label="Result" name="result" typeRef="string" />
      <rule id="{id}_rule">
        <inputEntry id="{id}_rule_input">
          <text>-</text>
        </inputEntry>
        <outputEntry id="{id}_rule_output">
          <text>"default"</text>
        </outputEntry>
      </rule>
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="{id}_diagram">
      <dmndi:DMNShape id="{id}_shape" dmnElementRef="{id}">
        <dc:Bounds height="80" width="180" x="160" y="100" />
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>
"""

_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="definitions_{id}"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{id}" name="{name}" isExecutable="true">
    <bpmn:startEvent id="{id}_start" name="Start">
      <bpmn:outgoing>{id}_flow</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:endEvent id="{id}_end" name="End">
      <bpmn:incoming>{id}_flow</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="{id}_flow" sourceRef="{id}_start" targetRef="{id}_end" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="{id}_diagram">
    <bpmndi:BPMNPlane id="{id}_plane" bpmnElement="{id}">
      <bpmndi:BPMNShape id="{id}_start_di" bpmnElement="{id}_start">
        <dc:Bounds x="180" y="100" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="{id}_end_di" bpmnElement="{id}_end">
        <dc:Bounds x="320" y="100" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="{id}_flow_di" bpmnElement="{id}_flow">
        <di:waypoint x="216" y="118" />
        <di:waypoint x="320" y="118" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""
