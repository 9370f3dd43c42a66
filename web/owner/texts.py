"""The words the studio's scripts show, translated here (the scripts themselves carry no text)."""

from __future__ import annotations

from flask_babel import gettext as _


def problem_patterns() -> list[list[str]]:
    """The deploy validator's commonest messages (English, from engine/validation_*.py) in the page's language:
    (a JavaScript regular expression with named groups, the translated message using those names)."""
    return [
        [
            r"^(?<what>.+?) leaves (?<gateway>.+?) without a condition and is not its default flow; give it a "
            r"condition or make it the default\.$",
            _(
                "%(what)s leaves %(gateway)s without a condition and is not its default flow; give it a condition "
                "or make it the default."
            ),
        ],
        [
            r"^(?<what>.+?) cannot be reached from a start event, so it would never run; connect it or remove it\.$",
            _(
                "%(what)s cannot be reached from a start event, so it would never run; connect it or remove it."
            ),
        ],
        [
            r"^(?<what>.+?) is not in any lane.*; put it in the lane of the department that does this work\.$",
            _("%(what)s is not in any lane; put it in the lane of the department that does this work."),
        ],
        [
            r'^(?<what>.+?) calls the operation "(?<name>[^"]*)", which is not one of the handlers this server '
            r"has: (?<known>.+)\.$",
            _(
                '%(what)s calls the operation "%(name)s", which is not one of the handlers this server has: %(known)s.'
            ),
        ],
        [
            r'^(?<what>.+?) uses the (?<kind>.+?) "(?<value>[^"]*)", which is not a \.json file of this upload.*$',
            _('%(what)s uses the %(kind)s "%(value)s", which is not a .json file of this upload.'),
        ],
        [
            r"^(?<what>.+?) cannot be reached from a start event: it has no incoming sequence flow, so it would "
            r"never run; connect it or remove it\.$",
            _("%(what)s has no incoming sequence flow, so it would never run; connect it or remove it."),
        ],
        [
            r"^(?<what>.+?) has no outgoing sequence flow; .*$",
            _(
                "%(what)s has no outgoing sequence flow; connect it to the next step or end the path with an end event."
            ),
        ],
        [
            r'^(?<what>.+?) has the timer (?<kind>\S+) (?<shown>.+); write it as text in quotes, for example "PT4H"\.$',
            _('%(what)s has the timer %(kind)s %(shown)s; write it as text in quotes, for example "PT4H".'),
        ],
    ]


def editor_texts() -> dict:
    return {
        "patterns": problem_patterns(),
        "saved": _("Saved (revision %(revision)s)."),
        "saving": _("Saving…"),
        "conflict": _(
            "Someone else saved this draft first. Reload the page to see their change, then make yours again."
        ),
        "save_failed": _("The draft could not be saved: %(message)s"),
        "problems": _("Problems that stop this draft from being deployed"),
        "no_problems": _("The checks pass: this draft could be deployed."),
        "lint": _("Modelling advice (bpmnlint)"),
        "unsaved": _("Unsaved changes"),
        "engine": _("What the engine reads"),
        "lane": _("Lane (department)"),
        "lane_hint": _("Set by the lane the task is drawn in."),
        "form": _("Form"),
        "no_form": _("(no form)"),
        "assign_to": _("Given to"),
        "lane_queue": _("the lane's shared queue"),
        "case_owner": _("the case owner (first-owner responsibility)"),
        "handler": _("Service handler"),
        "no_handler": _("(choose a handler)"),
        "result_variable": _("Result variable"),
        "parameter": _("Parameter %(name)s (an expression)"),
        "timer_type": _("Timer type"),
        "timer_duration": _("Duration"),
        "timer_date": _("Date"),
        "timer_cycle": _("Cycle"),
        "timer_value": _('Timer value (an expression, e.g. "PT4H")'),
        "condition": _("Condition (an expression)"),
        "script": _("Script"),
        "instructions_en": _("Instructions (English)"),
        "instructions_zh": _("Instructions (Chinese)"),
        "preview": _("Preview, as agents will see it"),
        "json_invalid": _("Not valid JSON: %(message)s"),
        "open_file": _("Open"),
        # bpmnlint's rules, by rule name: what each says in the page's language.
        "rule.conditional-flows": _("A flow leaving this gateway or task needs a condition."),
        "rule.end-event-required": _("The process needs an end event."),
        "rule.start-event-required": _("The process needs a start event."),
        "rule.no-disconnected": _("This element is not connected to the flow."),
        "rule.no-implicit-split": _("Use a gateway to split the flow, not several flows out of a task."),
        "rule.label-required": _("Give this element a name."),
        "rule.fake-join": _("Use a gateway to join flows, not several flows into a task."),
        "rule.no-complex-gateway": _("Complex gateways are not supported by the engine."),
        "rule.link-event": _("Link events do nothing in the engine."),
        "rule.superfluous-gateway": _("This gateway has one flow in and one out; it does nothing."),
        "rule.no-duplicate-sequence-flows": _("Two flows connect the same elements."),
        "rule.single-blank-start-event": _("A process has at most one start event without a trigger."),
    }
