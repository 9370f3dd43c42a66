"""The 100-year bound on timer values, for values computed when a case runs.

SpiffWorkflow turns the years and months of an ISO-8601 duration into days by looping over every month
(``TimerEventDefinition.get_timedelta_from_start``): ``"P" + "2000000Y"`` takes seconds per case, and larger
values take hours, all inside a step. Literal timers are checked at deploy (``engine.deploy.expressions``);
a timer built by an expression is checked here, on the value it produced, before SpiffWorkflow sees it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

from engine.errors import SandboxViolation

MAX_TIMER = timedelta(days=366 * 100)  # anything longer is a typo
MAX_MONTHS = 100 * 12
TimerKind = Literal["duration", "date", "cycle"]
_TOO_LONG = "is longer than 100 years"
NOT_A_DURATION = "is not an ISO-8601 duration"


def duration_problem(value: str) -> str | None:
    """Why the ISO-8601 duration ``value`` is out of bounds, or ``None``; never loops over months."""
    parsed = TimerEventDefinition.parse_iso_duration(value)
    if not parsed:
        return NOT_A_DURATION
    if parsed.get("years", 0) * 12 + parsed.get("months", 0) > MAX_MONTHS:
        return _TOO_LONG
    try:
        delta = TimerEventDefinition.get_timedelta_from_start(dict(parsed))
    except OverflowError:
        return _TOO_LONG
    return _TOO_LONG if delta > MAX_TIMER else None


def cycle_problem(value: str) -> str | None:
    """The same bound for every duration inside a repeating interval (``R3/P2000000Y``)."""
    for part in value.upper().replace("--", "/").strip("R").split("/")[1:]:
        if part.startswith("P") and (reason := duration_problem(part)):
            return reason
    return None


def check_timer_value(kind: TimerKind, value: object) -> None:
    """Raise ``SandboxViolation`` if a computed timer value would stall or break the engine."""
    if not isinstance(value, str):
        raise SandboxViolation(f'the timer {kind} must be text such as "PT4H", not {type(value).__name__}')
    text = value.strip()
    reason: str | None = None
    try:
        if kind == "duration":
            reason = duration_problem(text)
        elif kind == "cycle":
            reason = cycle_problem(text)
        elif text.upper().startswith("P"):
            reason = "is a duration where a date and time is expected"
    except (ValueError, TypeError, AttributeError) as error:
        reason = f"cannot be read ({error})"
    if reason:
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise SandboxViolation(f'the timer {kind} "{shown}" {reason}')


def timer_kind(task_spec: object, expression: str) -> TimerKind | None:
    """Which kind of timer of ``task_spec`` has ``expression`` (``None``: the expression is no timer's)."""
    definition = getattr(task_spec, "event_definition", None)
    candidates = getattr(definition, "event_definitions", None) or [definition]
    for candidate in candidates:
        if isinstance(candidate, TimerEventDefinition) and candidate.expression == expression:
            if isinstance(candidate, CycleTimerEventDefinition):
                return "cycle"
            if isinstance(candidate, DurationTimerEventDefinition):
                return "duration"
            if isinstance(candidate, TimeDateEventDefinition):
                return "date"
    return None
