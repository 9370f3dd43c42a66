"""Run a recorded case again, on another version's specs, in memory: on a frozen clock that jumps from one
recorded moment to the next, with local stand-ins for outside systems, writing nothing.

The replay feeds the case what reached it (its intake data, then each task's submitted data and each customer
reply, in recorded order, each at its recorded time); timers fire whenever the clock passes their due time,
as the SLA sweep would have fired them. Its path is then compared with the recorded one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine.calendar.business import BusinessCalendar, calendar_scope
from engine.clock import FrozenClock, engine_clock
from engine.runtime import projection
from engine.scripting.script_engine import SandboxScriptEngine
from engine.studio.recorded import Recorded, path_of, timer_dues
from handlers import HandlerContext, HandlerRegistry
from handlers.adapters import LocalCoreBanking

SAME, DIFFERENT, STUCK, INCIDENT = "same", "different", "stuck", "incident"


@dataclass
class Outcome:
    case_id: int
    reference: str | None
    result: str  # same, different, stuck, incident
    detail: str = ""  # in English, for the API and the CLI
    # What the detail says, for the pages to say it in their language: stuck, stuck_parted, parted, incident,
    # moved (or "" for nothing to add), with its parameters (element; error; moves: name, before, after).
    code: str = ""
    params: dict = field(default_factory=dict)
    # Where the paths part: the last element both took, and what each took next (BPMN id and name).
    after: dict | None = None
    recorded_next: dict | None = None
    draft_next: dict | None = None
    path: list[str] = field(default_factory=list)  # the draft's path

    def to_dict(self) -> dict[str, Any]:
        found = {k: v for k, v in self.__dict__.items() if k != "path"}
        if "moves" in self.params:  # the moved due times as ISO 8601, like every time the API gives
            moves = [
                {**m, "before": m["before"].isoformat(), "after": m["after"].isoformat()}
                for m in self.params["moves"]
            ]
            found["params"] = {**self.params, "moves": moves}
        return found


class _Parted(Exception):
    """A recorded input found nothing in the draft to receive it."""


class RecordedHistory:
    """The customer's history as the case recorded it, instead of the bank's records of today."""

    def __init__(self, results: list[Any]):
        self._results = list(results)

    def for_customer(self, customer_id, category, description, exclude_case_id):
        if not self._results:
            raise LookupError("the recorded case has no customer history to replay")
        return self._results.pop(0) if len(self._results) > 1 else self._results[0]


class Runner:
    """Steps a workflow in memory on a frozen clock; what the studio's try and run-one-case modes share."""

    def __init__(
        self,
        spec,
        subprocess_specs,
        *,
        start: datetime,
        handlers: HandlerRegistry,
        calendar: BusinessCalendar,
        adapters: dict[str, Any],
    ):
        self.clock = FrozenClock(start)
        self.calendar = calendar
        self.adapters = {**adapters, "core_banking": LocalCoreBanking()}  # never the bank's real system
        self.contexts: list[HandlerContext] = []
        engine = SandboxScriptEngine(handlers, self._context)
        self.workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=engine)
        self.error: str | None = None

    def _context(self, task) -> HandlerContext:
        context = HandlerContext(
            case_id=None,
            case_reference="TRY",
            task_name=projection.task_label(task),
            data=task.data,
            now=self.clock(),
            adapters=self.adapters,
        )
        self.contexts.append(context)
        return context

    def start(self, data: dict[str, Any]) -> None:
        for task in self.workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        self.advance()

    def advance(self, to: datetime | None = None) -> None:
        """Move the clock on to ``to`` (never back) and run whatever is due; an error stops the runner."""
        if self.error is not None:
            return
        if to is not None and to > self.clock():
            self.clock.set(to)
        with engine_clock(self.clock), calendar_scope(self.calendar):
            try:
                self.workflow.refresh_timers()
                self.workflow.do_engine_steps()
            except Exception as exc:
                self.error = _message(exc)

    def complete(self, element: str, data: dict[str, Any]) -> bool:
        """Complete the ready human task with this BPMN id; False when the workflow has none."""
        task = next(
            (t for t in projection.ready_human_tasks(self.workflow) if t.task_spec.bpmn_id == element), None
        )
        if task is None:
            return False
        with engine_clock(self.clock), calendar_scope(self.calendar):
            try:
                if hasattr(task.task_spec, "add_data_from_form"):
                    task.task_spec.add_data_from_form(task, data)
                else:
                    task.update_data(data)
                task.run()
            except Exception as exc:
                self.error = _message(exc)
        self.advance()
        return True

    def deliver(self, message: str) -> bool:
        event = BpmnEvent(MessageEventDefinition(message), {})
        if not any(t.task_spec.catches(t, event) for t in self.workflow.event_manager.tasks.values()):
            return False
        with engine_clock(self.clock), calendar_scope(self.calendar):
            try:
                self.workflow.catch(event)
            except Exception as exc:
                self.error = _message(exc)
        self.advance()
        return True

    def stuck(self) -> bool:
        """Neither finished nor waiting for anything that can come (a person, a timer, a message)."""
        if self.workflow.completed or self.error:
            return False
        if projection.ready_human_tasks(self.workflow):
            return False
        return not any(
            t.has_state(TaskState.WAITING) for t in self.workflow.event_manager.tasks.values()
        ) and not self.workflow.get_tasks(state=TaskState.READY)


def replay(
    recorded: Recorded,
    spec,
    subprocess_specs,
    *,
    until: datetime,
    handlers: HandlerRegistry,
    calendar: BusinessCalendar,
    adapters: dict[str, Any],
) -> Outcome:
    """Run ``recorded`` on the given specs up to ``until`` and say how its path compares with the record."""
    adapters = {**adapters, "history": RecordedHistory(recorded.service_results.get("customer_history", []))}
    runner = Runner(
        spec,
        subprocess_specs,
        start=recorded.started_at,
        handlers=handlers,
        calendar=calendar,
        adapters=adapters,
    )
    runner.start(recorded.start_data)
    parted = None
    for entry in recorded.inputs:
        runner.advance(entry.at)
        if runner.error:
            break
        received = (
            runner.complete(entry.element, entry.data)
            if entry.kind == "task"
            else runner.deliver(entry.element)
        )
        if not received:
            parted = entry
            break
    if parted is None:
        runner.advance(recorded.ended_at or until)
    return _judge(recorded, runner, parted)


def _judge(recorded: Recorded, runner: Runner, parted) -> Outcome:
    path, waiting, names = path_of(runner.workflow)
    names = {**recorded.names, **names}
    outcome = Outcome(recorded.case_id, recorded.reference, SAME, path=path)
    if runner.error:
        outcome.result, outcome.code, outcome.params = INCIDENT, "incident", {"error": runner.error}
    elif parted is not None and runner.stuck():
        outcome.result, outcome.code, outcome.params = STUCK, "stuck_parted", {"element": parted.element}
    elif runner.stuck():
        outcome.result, outcome.code = STUCK, "stuck"
    elif parted is not None:
        outcome.result, outcome.code, outcome.params = DIFFERENT, "parted", {"element": parted.element}
    elif Counter(path) != Counter(recorded.path) or sorted(waiting) != sorted(recorded.waiting):
        outcome.result = DIFFERENT
    if outcome.result != SAME:
        _where_they_part(outcome, recorded.path + recorded.waiting, path + waiting, names)
    else:
        moves = _moved_deadlines(recorded.timers, timer_dues(runner.workflow), names)
        if moves:
            outcome.code, outcome.params = "moved", {"moves": moves}
    outcome.detail = _english(outcome.code, outcome.params)
    return outcome


def _moved_deadlines(recorded: dict[str, list], draft: dict[str, list], names: dict[str, str]) -> list[dict]:
    """The same path, at other times: each timer whose due time the draft moves."""
    return [
        {"name": names.get(element, element), "before": before, "after": after}
        for element, times in recorded.items()
        for before, after in zip(times, draft.get(element, []), strict=False)
        if before != after
    ]


# The detail in English (the pages say it in their own language from the code and parameters).
_ENGLISH = {
    "stuck": "waits for nothing that can come",
    "stuck_parted": "waits for nothing that can come, where the record went on to {element}",
    "parted": "the record went on at {element}, which the draft never reached",
    "incident": "{error}",
}


def _english(code: str, params: dict) -> str:
    if code == "moved":
        return "; ".join(f"{m['name']}: {_hhmm(m['before'])} → {_hhmm(m['after'])}" for m in params["moves"])
    return _ENGLISH[code].format(**params) if code else ""


def _hhmm(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _where_they_part(outcome: Outcome, recorded: list[str], draft: list[str], names: dict[str, str]) -> None:
    """The first element one path took and the other did not, and the last element before it they shared."""
    extra_recorded = Counter(recorded) - Counter(draft)
    extra_draft = Counter(draft) - Counter(recorded)
    first_recorded = next((i for i, e in enumerate(recorded) if extra_recorded[e]), None)
    first_draft = next((i for i, e in enumerate(draft) if extra_draft[e]), None)
    label = lambda element: {"id": element, "name": names.get(element, element)}  # noqa: E731
    if first_recorded is not None:
        outcome.recorded_next = label(recorded[first_recorded])
    if first_draft is not None:
        outcome.draft_next = label(draft[first_draft])
    cut = min(i for i in (first_recorded, first_draft, len(recorded)) if i is not None)
    shared = [e for e in recorded[:cut] if e in Counter(draft)]
    if shared:
        outcome.after = label(shared[-1])


def _message(exc: Exception) -> str:
    message = str(exc) or type(exc).__name__
    return message[:1000]
