"""Deploy-time checks of every expression and script a diagram will run, and of its timer values.

Everything SpiffWorkflow would hand to ``eval``/``exec`` goes through ``engine.sandbox.check_source`` here, so
that what the sandbox refuses is refused at deploy, naming the element, rather than failing a customer's case
later. Timers that are plain quoted text are also checked against SpiffWorkflow's own ISO-8601 parsers. DMN
cells are checked in ``engine.validation_dmn``.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.deploy.checks import BPMN_NS, FLOW_NODES, NS, SPIFF_NS, Diagram, describe, elements, local, ref
from engine.scripting import multi_instance
from engine.scripting.durations import NOT_A_DURATION, duration_problem
from engine.scripting.sandbox import check_source
from engine.scripting.templates import check_template

PYTHON_SCRIPT_FORMATS = {"", "python", "python3", "text/python", "text/x-python", "application/x-python"}
MAX_QUOTE = 80
# SpiffWorkflow's preference when a timer has several of these (bpmn/parser/event_parsers.py).
_TIMER_KINDS = (("timeDate", "date"), ("timeDuration", "duration"), ("timeCycle", "cycle"))
_TIMER_EXAMPLES = {
    "duration": 'a valid ISO-8601 duration (for example "PT4H" or "P3D")',
    "date": 'a valid ISO-8601 date and time (for example "2026-01-05T09:00:00+08:00")',
    "cycle": 'a valid ISO-8601 repeating interval (for example "R3/PT10M")',
}
_HAS_ZONE = re.compile(r"(Z|[+-]\d{2}(:?\d{2})?)$", re.IGNORECASE)
_LOOP_EXPRESSIONS = {
    "loopCardinality": "the loop cardinality",
    "completionCondition": "the completion condition",
    "loopCondition": "the loop condition",
}


def quote(text: str, marks: str = '"') -> str:
    """``text`` on one line (lines joined by "; ", as Python allows), shortened, between ``marks``."""
    flat = "; ".join(" ".join(line.split()) for line in text.strip().splitlines() if line.strip())
    flat = flat if len(flat) <= MAX_QUOTE else flat[: MAX_QUOTE - 3] + "..."
    return f"{marks}{flat}{marks}"


def sandbox_problem(what: str, source: str, mode: Literal["eval", "exec"]) -> str | None:
    """``None`` if the sandbox accepts ``source``; otherwise a sentence quoting it."""
    problems = sandbox_reasons(source, mode)
    return f"has {what} {quote(source)} that cannot run: {'; '.join(problems)}" if problems else None


def sandbox_reasons(source: str, mode: Literal["eval", "exec"]) -> list[str]:
    """Why the sandbox refuses ``source`` (English, without final stops); empty if it accepts it."""
    problems = [p.rstrip(".") for p in check_source(source, mode)]
    if problems and source.strip().startswith(("${", "#{", "=")):
        problems.append(
            "this looks like another engine's expression language; write it in Python (amount > 500)"
        )
    return problems


def check_expressions(diagram: Diagram) -> None:
    """Append a problem for every expression or script of the executable processes the sandbox refuses."""
    processes = diagram.processes()

    def check(node: etree._Element, what: str, source: str | None, mode: Literal["eval", "exec"]) -> None:
        if source is not None and source.strip():
            problem = sandbox_problem(what, source, mode)
            if problem:
                part, _, name = what.removeprefix("the ").removeprefix("a ").partition(' "')
                params = {"part": part, "name": name.rstrip('"'), "source": quote(source)}
                reason = "; ".join(sandbox_reasons(source, mode))
                diagram.report(node, problem, "expression.refused", **params, reason=reason)

    for proc in processes:
        for flow in elements(proc, "sequenceFlow"):
            condition = flow.find("bpmn:conditionExpression", NS)
            if condition is not None:
                check(flow, "the condition", condition.text, "eval")
        for task in elements(proc, "scriptTask"):
            _check_script_task(diagram, task, check)
        for which in ("preScript", "postScript"):
            for script in proc.iter(f"{{{SPIFF_NS}}}{which}"):
                check(_owner(script), f"the {which}", script.text, "exec")
        for timer in elements(proc, "timerEventDefinition"):
            _check_timer(diagram, timer, check)
        for condition in elements(proc, "condition"):
            check(_owner(condition), "the event condition", condition.text, "eval")
        for param in proc.iter(f"{{{SPIFF_NS}}}parameter"):
            what = f'the parameter "{param.get("id") or ""}"'
            check(_owner(param), what, param.get("value"), "eval")
        for tag, what in _LOOP_EXPRESSIONS.items():
            for node in elements(proc, tag):
                check(_owner(node), what, node.text, "eval")
        for node in proc.iter(f"{{{SPIFF_NS}}}instructionsForEndUser"):
            if (node.text or "").strip() and (reason := check_template(node.text)):
                diagram.report(
                    _owner(node), f"has instructions that {reason}", "instructions.refused", reason=reason
                )
        for node in elements(proc, "loopCardinality"):
            count = _literal(node.text or "")[1]
            if type(count) is int and count > multi_instance.limit():
                diagram.report(
                    _owner(node),
                    f"repeats {count:,} times (loop cardinality); one case may start at most "
                    f"{multi_instance.limit():,} instances of an activity (MULTI_INSTANCE_MAX).",
                    "loop.too_many",
                    count=f"{count:,}",
                    limit=f"{multi_instance.limit():,}",
                )
        for loop in elements(proc, "standardLoopCharacteristics"):
            if loop.get("loopMaximum") is not None and not loop.get("loopMaximum", "").strip().isdigit():
                diagram.report(_owner(loop), "has a loop maximum that is not a whole number.", "loop.maximum")
    if not processes:
        return
    # Payloads and correlations live outside the processes (on messages, signals, errors) but run with them.
    for tag in ("messagePayload", "payloadExpression", "expression"):
        for node in diagram.root.iter(f"{{{SPIFF_NS}}}{tag}"):
            check(_owner(node), f"the {tag}", node.text, "eval")
    for retrieval in diagram.root.iter(f"{{{BPMN_NS}}}correlationPropertyRetrievalExpression"):
        for node in retrieval:
            check(_owner(retrieval), "the correlation expression", node.text, "eval")


_OWNERS = FLOW_NODES | {
    "sequenceFlow",
    "process",
    "message",
    "signal",
    "error",
    "escalation",
    "correlationProperty",
}


def _owner(node: etree._Element) -> etree._Element:
    """The element a process owner would look for: the task, event, flow or message holding ``node``."""
    for candidate in (node, *node.iterancestors()):
        if (
            candidate.get("id")
            and local(candidate) in _OWNERS
            and etree.QName(candidate).namespace == BPMN_NS
        ):
            return candidate
    return node


def _check_script_task(diagram: Diagram, task: etree._Element, check: Callable[..., None]) -> None:
    script_format = (task.get("scriptFormat") or "").strip().lower()
    if script_format not in PYTHON_SCRIPT_FORMATS:
        diagram.report(
            task,
            f'is written in "{script_format}"; this engine runs Python scripts only.',
            "script.language",
            language=script_format,
        )
        return
    # SpiffWorkflow takes the last child whose tag ends in "script" (spiff/parser/task_spec.py).
    scripts = [child for child in task if local(child).endswith("script")]
    text = scripts[-1].text if scripts else None
    if not text or not text.strip():
        diagram.report(
            task, "has no script; write the Python it should run, or use a plain task.", "script.empty"
        )
    else:
        check(task, "a script", text, "exec")


# --- timers -------------------------------------------------------------------------------------------------


def _check_timer(diagram: Diagram, timer: etree._Element, check: Callable[..., None]) -> None:
    event = timer.getparent()
    attached = diagram.by_id(event.get("attachedToRef"))
    where = f"on {describe(attached)} " if attached is not None else ""
    found = [(kind, node) for tag, kind in _TIMER_KINDS for node in timer.iter(f"{{{BPMN_NS}}}{tag}")]
    if not found or not (found[0][1].text or "").strip():
        diagram.report(
            event,
            f'{where}has a timer with no time set; give a duration such as "PT4H" (with the '
            "quotes), a date or a cycle.",
            "timer.empty",
            on=ref(attached),
        )
        return
    kind, node = found[0]
    text = node.text.strip()
    shown = quote(text, marks="")  # a literal brings its own quotes
    literal, value = _literal(text)
    if literal and not isinstance(value, str):
        message = f'has the timer {kind} {shown}; write it as text in quotes, for example "PT4H".'
        diagram.report(event, where + message, "timer.not_text", on=ref(attached), type=kind, value=shown)
    elif literal:
        reason = timer_problem(kind, value)
        if reason:
            diagram.report(
                event,
                f"{where}has the timer {kind} {shown}, which {reason}.",
                "timer.invalid",
                on=ref(attached),
                type=kind,
                value=shown,
                reason=reason,
            )
    elif _bare_word(text):
        diagram.report(
            event,
            f"{where}has the timer {kind} {shown}, which is neither {_TIMER_EXAMPLES[kind]} nor an "
            "expression: a word in capitals is not a variable of this engine (variables are lower case). "
            'Write the value in quotes, for example "PT4H".',
            "timer.bare_word",
            on=ref(attached),
            type=kind,
            value=shown,
        )
    else:
        check(event, f"the timer {kind}", text, "eval")


def quote_iso_timers(diagram: Diagram) -> None:
    """Read a bare ISO-8601 timer value (``PT1S``, ``P7DT0H``, ``R3/PT1H``) as the literal every modeler means.

    Timer values are Python expressions, so ``PT1S`` alone would be a variable that never exists. A value
    SpiffWorkflow's own parsers accept as a duration, date or cycle of the timer's kind is put in quotes in
    the parsed diagram before its specs are built (the uploaded file is stored unchanged).
    """
    for proc in diagram.processes():
        for timer in elements(proc, "timerEventDefinition"):
            for tag, kind in _TIMER_KINDS:
                for node in timer.iter(f"{{{BPMN_NS}}}{tag}"):
                    text = (node.text or "").strip()
                    if text and not _literal(text)[0] and timer_problem(kind, text) is None:
                        node.text = json.dumps(text)


def _bare_word(text: str) -> bool:
    """``INVALID``, ``NEVER``, ``PT1X``: a lone name without a lower-case letter, which no variable is."""
    return text.isidentifier() and not any(c.islower() for c in text)


def _literal(text: str) -> tuple[bool, object]:
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False, None
    return (True, tree.body.value) if isinstance(tree.body, ast.Constant) else (False, None)


def timer_problem(kind: str, value: str) -> str | None:
    """Why SpiffWorkflow could never use ``value`` as a timer of this kind, or ``None`` if it can."""
    value = value.strip()
    try:
        if kind == "duration":
            return _duration_problem(value)
        if kind == "date":
            if value.upper().startswith(("P", "R")):
                return "is a duration or cycle where a date and time is expected"
            if not isinstance(TimerEventDefinition.parse_time_or_duration(value), datetime):
                return f"is not {_TIMER_EXAMPLES[kind]}"
            if not _HAS_ZONE.search(value):
                return "has no time zone; add one (Z or +08:00, say) so that every server reads it alike"
            return None
        return _cycle_problem(value)
    except Exception:  # SpiffWorkflow's parsers raise bare Exception, ValueError, AttributeError...
        return f"is not {_TIMER_EXAMPLES[kind]}"


def _duration_problem(value: str) -> str | None:
    if not value.upper().startswith("P"):
        return f"is not {_TIMER_EXAMPLES['duration']}"
    reason = duration_problem(value)  # the same bound the engine holds computed timers to
    return f"is not {_TIMER_EXAMPLES['duration']}" if reason == NOT_A_DURATION else reason


def _cycle_problem(value: str) -> str | None:
    if not value.upper().startswith("R"):
        return f"is not {_TIMER_EXAMPLES['cycle']}"
    count, *parts = value.upper().replace("--", "/").strip("R").split("/")
    if count and int(count) < 1:
        return "repeats fewer than once; give a count of at least 1 (R3/...) or none (R/...) for no end"
    for part in parts:
        if part.startswith("P") and (reason := _duration_problem(part)):
            return reason
    _, _, interval = TimerEventDefinition.parse_iso_recurring_interval(value)
    return (
        "repeats every zero seconds; give an interval longer than zero" if interval <= timedelta(0) else None
    )
