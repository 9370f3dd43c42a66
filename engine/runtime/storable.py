"""What a step may store in task data: JSON and the few types SpiffWorkflow's serializer converts.

A script can make any Python value (a generator, ``range``, bytes, a set, a dict with tuple keys, a dict that
contains itself, a list nested thousands deep). Such a value cannot be written with the case's state, and
finding out only when the state is written (``json.dumps`` at the end of the step) used to fail the whole step
outside the incident path. ``StepScriptEngine`` checks what each script leaves behind instead, so the script's
task fails with a message naming the variable, the value is dropped, and the case goes to incident.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from engine.runtime.budget import Budget
from engine.scripting.script_engine import SandboxScriptEngine

# The file name the sandbox compiles diagram code under: the frames the step's time budget watches.
DIAGRAM_CODE = frozenset({"<string>"})
MAX_DEPTH = 100  # lists and dicts nested deeper than this are refused (SpiffWorkflow recurses into them)
_LEAVES = (str, int, float, bool, type(None), datetime, timedelta, UUID)
_KEYS = (str, int, float, bool, type(None))  # JSON makes text of these keys
HINT = "only text, numbers, true/false, null, date-times, lists and dicts with text keys can be stored"


def problem(value: Any) -> str | None:
    """Why ``value`` cannot be stored with the case (``"a generator"``, ``"a dict that contains itself"``), or
    None if it can."""
    return _problem(value, 0, set())


def _problem(value: Any, depth: int, path: set[int]) -> str | None:
    kind = type(value)
    if kind in _LEAVES:
        return None
    if kind not in (list, tuple, dict):
        return f"a {kind.__name__}"
    if id(value) in path:
        return f"a {kind.__name__} that contains itself"
    if depth >= MAX_DEPTH:
        return f"lists or dicts nested more than {MAX_DEPTH} levels deep"
    path.add(id(value))
    try:
        if kind is dict:
            for key, item in value.items():
                if type(key) not in _KEYS:
                    return f"a dict with a {type(key).__name__} key"
                if (found := _problem(item, depth + 1, path)) is not None:
                    return found
            return None
        for item in value:
            if (found := _problem(item, depth + 1, path)) is not None:
                return found
        return None
    finally:
        path.discard(id(value))


def unstorable(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The variables of ``data`` that cannot be stored, each with why."""
    found = []
    for name, value in data.items():
        if (why := problem(value)) is not None:
            found.append((str(name), why))
    return found


def drop_unstorable(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Remove the variables that cannot be stored from ``data``; return them with why."""
    found = unstorable(data)
    for name, _ in found:
        data.pop(name, None)
    return found


def describe(found: list[tuple[str, str]]) -> str:
    return "; ".join(f"variable '{name}' holds {why}" for name, why in found)


class StepScriptEngine(SandboxScriptEngine):
    """The sandbox's script engine for one step: diagram code runs under the step's time budget, and a script
    that leaves a value the case cannot store fails its task."""

    def __init__(self, handlers, context_for, budget: Callable[[], Budget]):
        super().__init__(handlers, context_for)
        self.budget = budget

    def evaluate(self, task, expression, external_context=None):
        with self.budget().watching(DIAGRAM_CODE):
            return super().evaluate(task, expression, external_context)

    def execute(self, task, script, external_context=None):
        with self.budget().watching(DIAGRAM_CODE):
            result = super().execute(task, script, external_context)
        found = drop_unstorable(task.data)
        if found:
            raise WorkflowTaskException(
                f"task '{task.task_spec.bpmn_name or task.task_spec.bpmn_id or task.task_spec.name}': "
                f"the script left a value that cannot be stored: {describe(found)} ({HINT}); it was dropped",
                task=task,
            )
        return result
