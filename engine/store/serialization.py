"""Workflow state to JSON and back, with the spec stored once per process version instead of per case.

SpiffWorkflow's stock serializer writes the whole parsed diagram into every serialized workflow. We register
a converter for ``BpmnWorkflow`` that leaves the spec out and takes it back from the caller on restore, and we
keep deserialized specs in a small per-process cache (they are immutable by version id).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from importlib.metadata import version as _dist_version
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_VERSION
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

ENGINE_VERSION = f"SpiffWorkflow {_dist_version('SpiffWorkflow')}"
__all__ = ["ENGINE_VERSION", "SERIALIZER", "SERIALIZER_VERSION", "SPECS", "SpecCache", "WorkflowSerializer"]


class _StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class WorkflowSerializer:
    """Serialize specs (once per version) and workflow state (every step) separately."""

    def __init__(self) -> None:
        config = dict(SPIFF_CONFIG)
        config[BpmnWorkflow] = _StateOnlyWorkflowConverter
        self._inner = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))

    def dump_spec(self, spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]) -> str:
        return json.dumps(
            {
                "spec": self._inner.to_dict(spec),
                "subprocess_specs": {name: self._inner.to_dict(s) for name, s in subprocess_specs.items()},
                "serializer_version": SERIALIZER_VERSION,
            }
        )

    def load_spec(self, spec_json: str) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
        dct = json.loads(spec_json)
        spec = self._inner.from_dict(dct["spec"])
        subs = {name: self._inner.from_dict(s) for name, s in dct["subprocess_specs"].items()}
        return spec, subs

    def dump_state(self, workflow: BpmnWorkflow) -> str:
        return self._inner.serialize_json(workflow)

    def load_state(self, state: str, spec: BpmnProcessSpec, subprocess_specs: dict) -> BpmnWorkflow:
        dct = json.loads(state)
        self._inner.migrate(dct)
        return self._inner.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)


@dataclass(frozen=True)
class LoadedVersion:
    """What a step needs of a process version, parsed once: the specs and the task forms."""

    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    forms: dict[str, dict]


class SpecCache:
    """A bounded, thread-safe cache of loaded process versions, keyed by (database, version id)."""

    def __init__(self, serializer: WorkflowSerializer, size: int = 64) -> None:
        self._serializer = serializer
        self._size = size
        self._items: OrderedDict[tuple[str, int], LoadedVersion] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every loaded version (after a database is wiped, as the test suite does)."""
        with self._lock:
            self._items.clear()

    def get(self, key, load) -> LoadedVersion:
        """Return the version for ``key``, calling ``load()`` for its (spec JSON, forms) only on a miss."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        spec_json, forms = load()
        specs = LoadedVersion(*self._serializer.load_spec(spec_json), forms or {})
        with self._lock:
            self._items[key] = specs
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return specs


# Process-wide instances: the serializer is stateless and the spec cache is thread-safe.
SERIALIZER = WorkflowSerializer()
SPECS = SpecCache(SERIALIZER)
