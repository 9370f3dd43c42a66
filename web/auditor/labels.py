"""Words for the codes the auditor pages show: tiers, statuses, lanes, system actors, notice templates."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import format_timedelta, lazy_gettext

from engine.models import CaseStatus

# The auditor templates read these as labels.LANES, labels.ACTORS ...
from web.labels import ACTORS, LANES, NOTICE_STATES, TIERS  # noqa: F401

# "Being handled", not "Open": other pages translate "Open" as the verb (a button).
STATUSES = {
    CaseStatus.OPEN: lazy_gettext("Being handled"),
    CaseStatus.INCIDENT: lazy_gettext("Incident"),
    CaseStatus.COMPLETED: lazy_gettext("Completed"),
    CaseStatus.CANCELLED: lazy_gettext("Cancelled"),
}
STEP_STATES = {
    "ready": lazy_gettext("Waiting"),
    "claimed": lazy_gettext("In progress"),
    "completed": lazy_gettext("Completed"),
    "cancelled": lazy_gettext("Cancelled"),
}
NOTICES = {
    "result_notice": lazy_gettext("Result notice (cause, solution and advice)"),
    "regulatory_extension": lazy_gettext("Notice that the decision deadline was extended"),
    "kb_answer": lazy_gettext("Answer from the knowledge base"),
    "safeguards_in_place": lazy_gettext("Notice of the safeguards in place"),
}
LADDER = {
    1: lazy_gettext("reminder to the person holding it"),
    2: lazy_gettext("escalated to the supervisors"),
    3: lazy_gettext("escalated to the department head"),
}


def label(table: dict, code) -> str:
    """The words for ``code``, or the code itself with its underscores as spaces."""
    if code is None or code == "":
        return ""
    return str(table.get(code, str(code).replace("_", " ")))


def duration(value: timedelta | None) -> str:
    """``1 hour``, ``5 minutes``: a length of time in the page's language."""
    if value is None:
        return ""
    return format_timedelta(value, threshold=1.1)
