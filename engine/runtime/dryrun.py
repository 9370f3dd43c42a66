"""Run a process in memory on given data, writing nothing: for trying a diagram before it is deployed.

The workflow runs with the real sandbox and handlers up to its first wait (a person's task, a timer, a
message). Outside systems are replaced: no history, a core banking stand-in, messages kept in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.calendar.business import BusinessCalendar, calendar_scope, current_calendar
from engine.clock import Clock, as_utc, engine_clock, system_clock
from engine.runtime import projection
from engine.scripting.script_engine import SandboxScriptEngine
from handlers import HandlerContext, HandlerRegistry, OutboxMessage
from handlers import registry as default_registry
from handlers.adapters import KnowledgeBase, LocalCoreBanking, NoHistory


@dataclass
class DryRun:
    data: dict[str, Any]
    waiting_for: list[str]
    case_fields: dict[str, Any] = field(default_factory=dict)
    messages: list[OutboxMessage] = field(default_factory=list)
    error: str | None = None


def dry_run(
    spec,
    subprocess_specs,
    data: dict[str, Any],
    *,
    clock: Clock = system_clock,
    handlers: HandlerRegistry = default_registry,
    adapters: dict[str, Any] | None = None,
    calendar: BusinessCalendar | None = None,
) -> DryRun:
    adapters = {
        "history": NoHistory(),
        "core_banking": LocalCoreBanking(),
        "knowledge_base": KnowledgeBase([]),
        **(adapters or {}),
    }
    contexts: list[HandlerContext] = []

    def context_for(task) -> HandlerContext:
        context = HandlerContext(
            case_id=None,
            case_reference="DRY-RUN",
            task_name=projection.task_label(task),
            data=task.data,
            now=as_utc(clock()),
            adapters=adapters,
        )
        contexts.append(context)
        return context

    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=SandboxScriptEngine(handlers, context_for))
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    error = None
    with engine_clock(clock), calendar_scope(calendar or current_calendar()):
        try:
            workflow.do_engine_steps()
        except Exception as exc:
            error = str(exc)
    last = workflow.last_task or workflow.task_tree
    waiting = [projection.task_label(t) for t in projection.ready_human_tasks(workflow)]
    fields: dict[str, Any] = {}
    messages: list[OutboxMessage] = []
    for context in contexts:
        fields.update(context.case_fields)
        messages.extend(context.outbox)
    return DryRun(dict(last.data), waiting, fields, messages, error)
