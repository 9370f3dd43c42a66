"""Run one case through a draft with data the process owner types: intake data, then steps in order.

Stateless: every call replays the whole list from the start (a draft's case is never stored), on a frozen
clock that starts now and moves only when a step says ``wait``. What comes back is what an agent would see
next (the ready tasks with their forms), the timers waiting, the path so far and what would have been sent.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine.cases.adapters import calendar_for, default_adapters
from engine.clock import Clock, as_utc
from engine.errors import InvalidState, NotFound, ValidationFailed
from engine.forms import form_name
from engine.runtime import projection
from engine.studio.checks import check, problem_dict
from engine.studio.recorded import path_of
from engine.studio.replay import Runner
from handlers import HandlerRegistry
from handlers import registry as default_registry

MAX_STEPS = 200
MAX_WAIT_MINUTES = 60 * 24 * 120


def run_one(
    session: Session,
    clock: Clock,
    files: list[tuple[str, bytes]],
    *,
    process: str,
    data: dict[str, Any],
    steps: list[dict[str, Any]],
    settings: dict[str, Any] | None = None,
    handlers: HandlerRegistry = default_registry,
) -> dict[str, Any]:
    settings = settings or {}
    if len(steps) > MAX_STEPS:
        raise ValidationFailed("too many steps", {"steps": f"at most {MAX_STEPS}"})
    checked = check(session, files, handlers=handlers)
    if not checked.ok:
        raise InvalidState(
            "the draft has problems; fix them before running it",
            problems=[problem_dict(p) for p in checked.problems],
        )
    bundle = checked.bundle
    if process not in bundle.specs:
        raise NotFound(f"the draft has no executable process {process!r}")
    spec, subprocess_specs = bundle.specs[process]
    adapters = default_adapters(session, clock, settings)
    session.rollback()
    runner = Runner(
        spec,
        subprocess_specs,
        start=as_utc(clock()),
        handlers=handlers,
        calendar=calendar_for(settings),
        adapters={**adapters, "history": _NoHistory()},
    )
    runner.start({**data, "case": {"id": 0, "reference": "TRY"}})
    refused = None
    for index, step in enumerate(steps):
        if runner.error:
            break
        refused = _apply(runner, step, index)
        if refused:
            break
    return _state(runner, bundle.forms, refused)


class _NoHistory:
    def for_customer(self, customer_id, category, description, exclude_case_id):
        from engine.cases.history import NO_HISTORY

        return dict(NO_HISTORY)


def _apply(runner: Runner, step: dict[str, Any], index: int) -> str | None:
    """Run one step; a reason when the draft could not take it."""
    if not isinstance(step, dict):
        raise ValidationFailed("each step is an object", {f"steps.{index}": "is not an object"})
    if "task" in step:
        data = step.get("data") or {}
        if not isinstance(data, dict):
            raise ValidationFailed("a task's data is an object", {f"steps.{index}.data": "is not an object"})
        if not runner.complete(str(step["task"]), data):
            return f"step {index + 1}: the draft has no ready task {step['task']!r}"
    elif "message" in step:
        if not runner.deliver(str(step["message"])):
            return f"step {index + 1}: the draft is not waiting for the message {step['message']!r}"
    elif "wait_minutes" in step:
        minutes = step["wait_minutes"]
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 < minutes <= MAX_WAIT_MINUTES:
            raise ValidationFailed(
                "wait_minutes is a whole number of minutes",
                {f"steps.{index}.wait_minutes": f"between 1 and {MAX_WAIT_MINUTES}"},
            )
        runner.advance(runner.clock() + timedelta(minutes=minutes))
    else:
        raise ValidationFailed(
            "a step completes a task, delivers a message or waits",
            {f"steps.{index}": "needs task, message or wait_minutes"},
        )
    return None


def _state(runner: Runner, forms: dict[str, dict], refused: str | None) -> dict[str, Any]:
    workflow = runner.workflow
    path, _waiting, names = path_of(workflow)
    ready = [
        {
            "id": t.task_spec.bpmn_id,
            "name": projection.task_label(t),
            "lane": t.task_spec.lane,
            "form": forms.get(form_name(t.task_spec) or ""),
            "due_at": projection.boundary_timer_due(t),
        }
        for t in projection.ready_human_tasks(workflow)
    ]
    timers = [
        {"id": t.task_spec.bpmn_id or t.task_spec.name, "name": projection.task_label(t), "due_at": due}
        for t in projection.waiting_timers(workflow)
        if (due := projection.timer_due(t)) is not None
    ]
    status = (
        "incident"
        if runner.error
        else "completed"
        if workflow.completed
        else "stuck"
        if runner.stuck()
        else "waiting"
    )
    last = workflow.last_task or workflow.task_tree
    messages = [
        {"channel": m.channel, "recipient": m.recipient, "template": m.template}
        for c in runner.contexts
        for m in c.outbox
    ]
    fields: dict[str, Any] = {}
    for context in runner.contexts:
        fields.update(context.case_fields)
    return {
        "status": status,
        "error": runner.error,
        "refused": refused,
        "now": runner.clock(),
        "ready": ready,
        "timers": timers,
        "path": [{"id": e, "name": names.get(e, e)} for e in path],
        "messages": messages,
        "case_fields": fields,
        "data": json.loads(json.dumps(dict(last.data), default=str)),
        "waiting_messages": sorted(_awaited_messages(workflow)),
    }


def _awaited_messages(workflow) -> set[str]:
    names = set()
    for task in workflow.event_manager.tasks.values():
        if not task.has_state(TaskState.WAITING):
            continue
        definition = getattr(task.task_spec, "event_definition", None)
        for inner in [definition, *getattr(definition, "event_definitions", [])]:
            name = getattr(inner, "name", None)
            if type(inner).__name__ == "MessageEventDefinition" and name:
                names.add(name)
    return names
