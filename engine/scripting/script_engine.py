"""SpiffWorkflow's script engine, rebuilt on our sandbox and our handler registry.

Stock ``PythonScriptEngine`` runs diagram code with plain ``eval``/``exec`` and full builtins; ours sends every
expression and script through ``engine.sandbox``. Its ``call_service`` has a broken error path in 3.2.0
(``NameError: script``); ours dispatches to ``handlers`` and wraps any failure in a ``WorkflowTaskException``
naming the task, which the runtime turns into an incident on the case.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.errors import SandboxViolation
from engine.scripting import multi_instance, sandbox
from engine.scripting.durations import check_timer_value, timer_kind
from handlers import HandlerContext, HandlerRegistry

multi_instance.install()  # every workflow built with this engine gets the cap on multi-instance activities


def _describe(task) -> str:
    spec = task.task_spec
    name = getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name
    return f"task '{name}'"


@contextlib.contextmanager
def _naming(task, kind: str, failure: str) -> Iterator[None]:
    """Re-raise sandbox refusals and runtime errors as SpiffWorkflow task errors that name the task."""
    try:
        yield
    except SpiffWorkflowException:
        raise
    except SandboxViolation as exc:
        raise WorkflowTaskException(
            f"{_describe(task)}: {kind} refused by the sandbox: {exc}", task=task, exception=exc
        ) from exc
    except Exception as exc:
        raise WorkflowTaskException(
            f"{_describe(task)}: {failure}: {type(exc).__name__}: {exc}", task=task, exception=exc
        ) from exc


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """The environment SpiffWorkflow reaches for directly (message correlations, ad-hoc conditions).

    Replacing the stock one means no code path in SpiffWorkflow evaluates diagram text with plain ``eval``.
    """

    def evaluate(self, expression, context, external_context=None):
        return sandbox.evaluate(expression, context, external_context)

    def execute(self, script, context, external_context=None):
        sandbox.execute(script, context, external_context)
        return True

    def call_service(self, context, **kwargs):
        raise SandboxViolation("service calls go through the engine's handler registry")


class SandboxScriptEngine(PythonScriptEngine):
    """One instance per engine step: it carries the step's handler context factory."""

    def __init__(self, handlers: HandlerRegistry, context_for: Callable[[object], HandlerContext]):
        super().__init__(environment=SandboxEnvironment())
        self.handlers = handlers
        self.context_for = context_for

    def evaluate(self, task, expression, external_context=None):
        with _naming(task, "expression", f"error evaluating {expression!r}"):
            value = sandbox.evaluate(expression, task.data, external_context)
            # A timer's value is checked before SpiffWorkflow turns it into a date (month by month).
            kind = timer_kind(task.task_spec, expression)
            if kind is not None:
                check_timer_value(kind, value)
            return value

    def execute(self, task, script, external_context=None):
        with _naming(task, "script", "script failed"):
            sandbox.execute(script, task.data, external_context)
        return True

    def call_service(self, task, operation_name=None, operation_params=None, **_ignored):
        params = {name: p["value"] for name, p in (operation_params or {}).items()}
        try:
            handler = self.handlers.get(operation_name)
            result = handler(self.context_for(task), **params)
            # SpiffWorkflow json-decodes what we return into the task's result variable.
            return json.dumps(result, default=str)
        except Exception as exc:
            raise WorkflowTaskException(
                f"{_describe(task)}: service '{operation_name}' failed: {type(exc).__name__}: {exc}",
                task=task,
                exception=exc,
            ) from exc
