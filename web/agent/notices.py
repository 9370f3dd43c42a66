"""Staff notices in words: one sentence per kind of message the engine sends to staff
(engine/messaging/staff_notices.py).

A kind this table does not know yet is shown by its code, made readable, so that a new message never
disappears from the page.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext

from engine.models import OutboxMessage
from web.i18n import bilingual, when
from web.labels import LANES
from web.schema_forms import choice_label

from .labels import label


def _time(value) -> str:
    try:
        return when(datetime.fromisoformat(value)) if value else ""
    except (TypeError, ValueError):
        return str(value)


def describe(message: OutboxMessage) -> str:
    p = message.payload or {}
    task, lane = bilingual(p.get("task") or ""), label(LANES, p.get("lane"))
    kind = message.template
    if kind == "complaint_merged":
        return gettext(
            "A repeat complaint came in by %(channel)s and was joined to this case.",
            channel=choice_label(p.get("channel") or ""),
        )
    if kind == "lane_result":
        return gettext("%(lane)s finished “%(task)s”.", lane=lane, task=task)
    if kind == "escalation":
        return gettext("A deadline was missed: %(step)s.", step=bilingual(p.get("step") or ""))
    if kind == "task_overdue":
        return gettext("“%(task)s” (%(lane)s) is overdue.", task=task, lane=lane)
    if kind == "task_due_soon":
        return gettext(
            "“%(task)s” (%(lane)s) is due %(due)s.", task=task, lane=lane, due=_time(p.get("due_at"))
        )
    if kind == "task_reassigned":
        return gettext(
            "%(by)s gave “%(task)s” to you. Reason: %(reason)s",
            by=p.get("by"),
            task=task,
            reason=p.get("reason"),
        )
    if kind == "task_reassigned_away":
        return gettext(
            "%(by)s gave “%(task)s” to someone else. Reason: %(reason)s",
            by=p.get("by"),
            task=task,
            reason=p.get("reason"),
        )
    if kind == "regulatory_warning":
        return gettext("The regulatory decision is due %(due)s.", due=_time(p.get("due_at")))
    if kind == "regulatory_breach":
        return gettext("The regulatory decision date has passed (%(due)s).", due=_time(p.get("due_at")))
    if kind == "extension_requested":
        return gettext(
            "%(by)s asks for a further 30 days on the regulatory deadline: %(reason)s",
            by=p.get("by"),
            reason=p.get("reason") or "",
        )
    if kind == "extension_decided":
        if p.get("status") == "approved":
            return gettext(
                "%(by)s approved your further extension: the decision is due in 60 days.", by=p.get("by")
            )
        return gettext(
            "%(by)s rejected your further extension: %(note)s", by=p.get("by"), note=p.get("note") or ""
        )
    if kind == "extension_request_overdue":
        return gettext(
            "The regulatory deadline (%(due)s) passed with a further extension still waiting; it can only be "
            "rejected now.",
            due=_time(p.get("due_at")),
        )
    if kind == "customer_information":
        return gettext("The customer added information: %(preview)s", preview=p.get("preview") or "")
    if kind == "customer_survey":
        return gettext("The customer answered the follow-up survey.")
    if kind == "customer_survey_unresolved":
        return gettext("The customer says in the follow-up survey that the complaint is not resolved.")
    if kind == "customer_evidence":
        return gettext("The customer sent a file: %(name)s", name=p.get("filename") or "")
    return kind.replace("_", " ")
