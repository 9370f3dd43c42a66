"""The words the studio's scripts show, translated here (the scripts themselves carry no text)."""

from __future__ import annotations

from flask_babel import gettext as _


def editor_texts() -> dict:
    return {
        "saved": _("Saved (revision %(revision)s)."),
        "saving": _("Saving…"),
        "conflict": _(
            "Someone else saved this draft first. Reload the page to see their change, then make yours again."
        ),
        "save_failed": _("The draft could not be saved: %(message)s"),
        "keep_mine": _("Download your version of this file"),
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
        "task_force_member": _("the lane's member of the case's task force"),
        "form_variant": _("Form variant"),
        "form_for_all": _("the same form for every case"),
        "form_by_tier": _("the variant for the case's tier (x-variants in the form)"),
        "task_force": _("Task force"),
        "task_force_no": _("completing it joins nothing"),
        "task_force_join": _("completing it joins the case's task force for this lane"),
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
