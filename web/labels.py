"""The one vocabulary of the pages: the words for every code they show (tiers, lanes, case statuses, task
states, audit events, notices, channels, system actors ...), whichever audience's page shows it. A code has
the same words on every page."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import format_timedelta, lazy_gettext

TIERS = {
    "urgent": lazy_gettext("Urgent"),
    "general": lazy_gettext("General"),
    "advisory": lazy_gettext("Advisory"),
}
LANES = {
    "frontline": lazy_gettext("Frontline"),
    "risk": lazy_gettext("Risk"),
    "operations": lazy_gettext("Operations"),
    "product": lazy_gettext("Product"),
    "compliance": lazy_gettext("Compliance"),
    "supervisor": lazy_gettext("Supervisors"),
}
# Who acts when no person does.
ACTORS = {
    "system:timer": lazy_gettext("Timer"),
    "system:ladder": lazy_gettext("Deadline ladder"),
    "system:regulatory": lazy_gettext("Regulatory clock"),
    "system:sweep": lazy_gettext("Timer sweep"),
    "customer": lazy_gettext("Customer"),
}
NOTICE_STATES = {
    "pending": lazy_gettext("waiting to be sent"),
    "sent": lazy_gettext("sent"),
    "failed": lazy_gettext("failed"),
}

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
    "case.retriaged": lazy_gettext("The triage was corrected"),
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
    "evidence.attached": lazy_gettext("Evidence attached"),
    "escalation.acknowledged": lazy_gettext("Escalation acknowledged"),
    "incident.opened": lazy_gettext("Stopped by an error"),
    "incident.repeated": lazy_gettext("The error happened again"),
    "incident.resolved": lazy_gettext("Error resolved, case running again"),
    "regulatory.warning": lazy_gettext("Regulatory deadline approaching"),
    "regulatory.breached": lazy_gettext("Regulatory deadline missed"),
    "regulatory.extended": lazy_gettext("Regulatory deadline extended"),
    "regulatory.paused": lazy_gettext("Regulatory clock paused"),
    "regulatory.resumed": lazy_gettext("Regulatory clock resumed"),
    "regulatory.extension_requested": lazy_gettext("Further extension asked for"),
    "regulatory.extension_approved": lazy_gettext("Further extension approved"),
    "regulatory.extension_rejected": lazy_gettext("Further extension rejected"),
    "task_force.joined": lazy_gettext("Joined the task force"),
    "customer.created": lazy_gettext("Customer record created"),
    "customer.updated": lazy_gettext("Customer record updated"),
    "customer.identity_claimed": lazy_gettext("Identity claimed on the public site"),
    "customer.identity_confirmed": lazy_gettext("Claimed identity confirmed"),
    "customer.identity_rejected": lazy_gettext("Claimed identity rejected"),
    "case.customer_changed": lazy_gettext("Case moved to the customer on record"),
}

CHANNELS = {
    "sms": lazy_gettext("SMS"),
    "app_push": lazy_gettext("App notification"),
    "phone": lazy_gettext("Phone"),
    "email": lazy_gettext("Email"),
}

NOTES = {
    "merged_complaint": lazy_gettext("Repeat complaint"),
    "customer_information": lazy_gettext("Added by the customer"),
    "customer_survey": lazy_gettext("Customer's survey answers"),
}

NOTICES = {
    "result_notice": lazy_gettext("Result notice (cause, solution and advice)"),
    "regulatory_extension": lazy_gettext("Notice that the decision deadline was extended"),
    "kb_answer": lazy_gettext("Answer from the knowledge base"),
    "follow_up": lazy_gettext("Follow-up"),
    "complaint_received": lazy_gettext("Complaint received"),
    "safeguards_in_place": lazy_gettext("Notice of the safeguards in place"),
    "handling_direction": lazy_gettext("Notice of the handling direction"),
    "initial_plan": lazy_gettext("Notice of the initial resolution plan"),
    "advisory_plan": lazy_gettext("Notice of the plan and the expected time"),
    "question_received": lazy_gettext("Notice that a person will reply"),
}

LADDER = {
    1: lazy_gettext("reminder to the person holding it"),
    2: lazy_gettext("escalated to the supervisors"),
    3: lazy_gettext("escalated to the department head"),
}


def label(table: dict, code) -> str:
    """The words for ``code``, or the code itself, made readable, when the table does not know it."""
    if code is None or code == "":
        return ""
    found = table.get(code)
    return str(found) if found is not None else str(code).replace("_", " ")


def duration(value: timedelta | None) -> str:
    """``1 hour``, ``5 minutes``: a length of time in the page's language."""
    if value is None:
        return ""
    return format_timedelta(value, threshold=1.1)
