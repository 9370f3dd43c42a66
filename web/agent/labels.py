"""Words for the codes the agent pages show: tiers, states, lanes, audit events, notices, note kinds."""

from __future__ import annotations

from flask import g
from flask_babel import gettext, lazy_gettext

from web.i18n import bilingual
from web.labels import ACTORS, LANES, NOTICE_STATES, TIERS
from web.schema_forms import choice_label

CASE_STATUSES = {
    "open": lazy_gettext("Being handled"),
    "incident": lazy_gettext("Stopped by an error"),
    "completed": lazy_gettext("Closed"),
    "cancelled": lazy_gettext("Cancelled"),
}
TASK_STATES = {
    "ready": lazy_gettext("Ready"),
    "claimed": lazy_gettext("Claimed"),
    "completed": lazy_gettext("Completed"),
    "cancelled": lazy_gettext("Cancelled"),
}
SORTS = {
    "due": lazy_gettext("Due soonest"),
    "newest": lazy_gettext("Newest"),
    "tier": lazy_gettext("Tier, then due"),
}
EVENTS = {
    "case.started": lazy_gettext("Complaint received, case opened"),
    "case.updated": lazy_gettext("Case details updated"),
    "case.merged": lazy_gettext("A repeat complaint was merged into this case"),
    "case.decided": lazy_gettext("Decision sent to the customer"),
    "case.completed": lazy_gettext("Case closed"),
    "task.ready": lazy_gettext("Task waiting"),
    "task.claimed": lazy_gettext("Task claimed"),
    "task.completed": lazy_gettext("Task completed"),
    "task.cancelled": lazy_gettext("Task cancelled"),
    "task.escalated": lazy_gettext("Task escalated"),
    "task.reassigned": lazy_gettext("Task reassigned"),
    "owner.changed": lazy_gettext("Case owner set"),
    "timer.fired": lazy_gettext("Timer fired"),
    "message.received": lazy_gettext("Reply received"),
    "customer.information_added": lazy_gettext("The customer added information"),
    "customer.survey_answered": lazy_gettext("The customer answered the follow-up survey"),
    "escalation.acknowledged": lazy_gettext("Escalation acknowledged"),
    "incident.opened": lazy_gettext("Stopped by an error"),
    "incident.repeated": lazy_gettext("The error happened again"),
    "incident.resolved": lazy_gettext("Error resolved, case running again"),
    "regulatory.warning": lazy_gettext("Regulatory deadline approaching"),
    "regulatory.breached": lazy_gettext("Regulatory deadline missed"),
    "regulatory.extended": lazy_gettext("Regulatory deadline extended"),
    "regulatory.paused": lazy_gettext("Regulatory clock paused"),
    "regulatory.resumed": lazy_gettext("Regulatory clock resumed"),
}
CHANNELS = {
    "sms": lazy_gettext("SMS"),
    "app_push": lazy_gettext("App notification"),
    "phone": lazy_gettext("Phone"),
    "email": lazy_gettext("Email"),
}
NOTICES = {
    "kb_answer": lazy_gettext("Knowledge-base answer"),
    "safeguards_in_place": lazy_gettext("Safeguards in place"),
    "result_notice": lazy_gettext("Result notice (cause, solution and advice)"),
    "follow_up": lazy_gettext("Follow-up"),
    "regulatory_extension": lazy_gettext("Decision deadline extended"),
    "complaint_received": lazy_gettext("Complaint received"),
}
NOTES = {
    "merged_complaint": lazy_gettext("Repeat complaint"),
    "customer_information": lazy_gettext("Added by the customer"),
    "customer_survey": lazy_gettext("Customer's survey answers"),
}


def label(table: dict, code) -> str:
    """The words for ``code``, or the code itself, made readable, when the table does not know it."""
    if code is None:
        return ""
    found = table.get(code)
    return str(found) if found is not None else str(code).replace("_", " ")


TABLES = {
    "tier": TIERS,
    "case_status": CASE_STATUSES,
    "task_state": TASK_STATES,
    "lane": LANES,
    "sort": SORTS,
    "event": EVENTS,
    "channel": CHANNELS,
    "notice": NOTICES,
    "notice_state": NOTICE_STATES,
    "note": NOTES,
    "actor": ACTORS,
}


def shown_value(value, field) -> str:
    """A form field's value as words: the option's label, yes or no, or the text itself."""
    if field.kind == "boolean":
        return str(gettext("Yes") if value == "true" else gettext("No") if value == "false" else value)
    options = dict(field.options)
    if field.kind == "multi":
        return ", ".join(str(options.get(v, v)) for v in value)
    return str(options.get(value, value))


def event_detail(event) -> str:
    """The few words that say what an audit event was about: the task, the new owner, the message..."""
    payload = event.payload or {}
    for key in ("task", "owner_username", "step", "name", "message"):
        value = payload.get(key)
        if isinstance(value, str) and value:
            return bilingual(value)  # task names are "English 中文"
    return ""


def _cached_label(kind: str, code) -> str:
    """``label`` remembered for the request: an inbox page asks for the same few words on every row."""
    cache = g.setdefault("agent_labels", {})
    key = (kind, code)
    if key not in cache:
        cache[key] = label(TABLES[kind], code)
    return cache[key]


def init(state) -> None:
    """Give the templates ``agent_label(kind, code)`` (``agent_label("tier", case.tier)``) and two filters."""
    env = state.app.jinja_env
    env.globals["agent_label"] = _cached_label
    env.globals["event_detail"] = event_detail
    env.filters["agent_value"] = shown_value
    env.filters["agent_choice"] = lambda code: choice_label(code) if code else ""
