"""Deploy-time check: messages and signals that would go nowhere.

The engine delivers a message to a case only from outside (a customer's reply, through
``CaseEngine.deliver_message``). Nothing routes a message or a signal thrown by one case to another, and
nothing starts a case from a message or signal start event: SpiffWorkflow keeps every thrown event in the
case's stored state, where they used to pile up unseen. So a diagram that throws them, starts on them, or
waits for a signal is refused, with a message naming each element; stored states are emptied of thrown
events by the engine step (``engine/runtime/step.py``).
"""

from __future__ import annotations

from engine.deploy.checks import Diagram, elements, local

_THROWN = (
    "throws a {trigger}, which this engine does not route to any case: nothing would receive it. Record what "
    "happened with a service task (notify, record) or let the other case be told from outside."
)
_STARTS = (
    "starts the process on a {trigger}, but cases start only from intake and the API: it would never start. "
    "Use a plain start event."
)
_SIGNAL_WAIT = (
    "waits for a signal, which nothing in this engine sends: the case would wait for ever. Wait for a "
    "message (delivered from outside), a timer or a person's task instead."
)


def check_events(diagram: Diagram) -> None:
    """Append to ``diagram.problems`` every throw, start or wait on messages and signals that cannot work."""
    for proc in diagram.processes():
        for event in elements(proc, "intermediateThrowEvent", "endEvent"):
            for trigger in _triggers(event) & {"message", "signal"}:
                diagram.report(event, _THROWN.format(trigger=trigger), "event.not_routed", trigger=trigger)
        for task in elements(proc, "sendTask"):
            diagram.report(task, _THROWN.format(trigger="message"), "event.not_routed", trigger="message")
        for event in elements(proc, "startEvent"):
            parent = event.getparent()
            in_event_sub_process = parent is not None and parent.get("triggeredByEvent") == "true"
            triggers = _triggers(event) & {"message", "signal"}
            if not in_event_sub_process:
                for trigger in triggers:
                    diagram.report(event, _STARTS.format(trigger=trigger), "start.never", trigger=trigger)
            elif "signal" in triggers:
                diagram.report(event, _SIGNAL_WAIT, "signal.wait")
        for event in elements(proc, "intermediateCatchEvent", "boundaryEvent"):
            if "signal" in _triggers(event):
                diagram.report(event, _SIGNAL_WAIT, "signal.wait")


def _triggers(event) -> set[str]:
    return {local(c).removesuffix("EventDefinition") for c in event if local(c).endswith("EventDefinition")}
