"""A cap on the instances of a multi-instance activity: one complaint must not create 200,000 tasks.

SpiffWorkflow creates every instance of a parallel multi-instance activity at once, from its loop cardinality
or from each item of its input collection: a cardinality of 200,000 took 25 s and 911 MB for one complaint.
``MULTI_INSTANCE_MAX`` (setting, default 1000) bounds both, for parallel and sequential activities; beyond it
the activity fails before any instance exists, and the engine makes that an incident on the case naming it.

SpiffWorkflow has no hook for this, so ``install`` wraps the two methods of its multi-instance classes that
start instances (all at once for parallel ones, the next one for sequential ones); every task spec
class SpiffWorkflow builds for multi-instance activities inherits them.
A literal cardinality above the cap is refused at deploy (``engine.deploy.expressions``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sized
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import (
    MultiInstanceTask,
    ParallelMultiInstanceTask,
    SequentialMultiInstanceTask,
)

DEFAULT_MAX = 1000
_limit = {"max": DEFAULT_MAX}


def configure(settings: Mapping[str, Any]) -> None:
    """Take ``MULTI_INSTANCE_MAX`` from the application's settings (a positive whole number)."""
    value = int(settings.get("MULTI_INSTANCE_MAX", DEFAULT_MAX))
    if value < 1:
        raise ValueError(f"MULTI_INSTANCE_MAX must be at least 1, not {value}")
    _limit["max"] = value


def limit() -> int:
    return _limit["max"]


def _parallel_count(spec: MultiInstanceTask, my_task) -> int | None:
    """How many instances a parallel activity is about to start; ``None``: SpiffWorkflow will say what is wrong."""
    if spec.data_input is not None:
        if not spec.data_input.exists(my_task):
            return None
        items = spec.data_input.get(my_task)
        return len(items) if isinstance(items, Sized) else None
    if spec.cardinality is None:
        return None
    value = my_task.workflow.script_engine.evaluate(my_task, spec.cardinality)  # a pure expression
    return value if isinstance(value, int) else None


def _sequential_count(spec: MultiInstanceTask, my_task) -> int | None:
    """The instances a sequential activity will run in all, from SpiffWorkflow's own bookkeeping."""
    data = my_task.internal_data
    if spec.data_input is not None:
        return len(data.get("remaining") or ()) + len(data.get("merged") or ())
    cardinality = data.get("cardinality")
    return cardinality if isinstance(cardinality, int) else None


def _check(spec: MultiInstanceTask, my_task, count: int | None) -> None:
    if count is None or count <= limit():
        return
    inner = my_task.workflow.spec.task_specs.get(spec.task_spec)
    name = getattr(inner, "bpmn_name", None) or getattr(spec, "bpmn_name", None) or spec.bpmn_id
    source = "its input collection" if spec.data_input is not None else "its loop cardinality"
    raise WorkflowTaskException(
        f"task '{name}': {source} asks for {count:,} instances; the limit is {limit():,} (MULTI_INSTANCE_MAX)",
        task=my_task,
    )


def _checked(method, count):
    @functools.wraps(method)
    def run(self, my_task, *args, **kwargs):
        _check(self, my_task, count(self, my_task))
        return method(self, my_task, *args, **kwargs)

    run.__multi_instance_cap__ = True
    return run


def install() -> None:
    """Put the check in front of the methods that start instances (once; calling again does nothing)."""
    for cls, name, count in (
        (ParallelMultiInstanceTask, "create_children", _parallel_count),
        (SequentialMultiInstanceTask, "add_next_child", _sequential_count),
    ):
        method = cls.__dict__[name]
        if not getattr(method, "__multi_instance_cap__", False):
            setattr(cls, name, _checked(method, count))
