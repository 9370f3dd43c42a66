"""The agent pages' helpers for words: ``agent_label(kind, code)`` over the one vocabulary (web/labels.py),
a form value as words, what an audit event was about."""

from __future__ import annotations

from flask import g
from flask_babel import gettext

from web.i18n import bilingual
from web.labels import (
    ACTORS,
    CASE_STATUSES,
    CHANNELS,
    EVENTS,
    LANES,
    NOTES,
    NOTICE_STATES,
    NOTICES,
    SORTS,
    TASK_STATES,
    TIERS,
    label,
)
from web.schema_forms import choice_label

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
