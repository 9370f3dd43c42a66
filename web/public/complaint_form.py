"""The public complaint form: which intake fields a customer fills in, in the customer's words, and the
submission built from what they posted.

The fields come from the deployed intake form (a process owner may add one); the customer never chooses the
channel (``web``), the time of receipt, the answer language (the page's), nor their segment. They identify
themselves by name and mobile number: a customer filing on the website rarely knows the bank's customer
number. What an anonymous visitor types proves nothing, so it never reaches a customer record: the engine
files the complaint under a provisional customer of its own and records the name and number as a claim, which
the case's owner confirms or rejects after calling back (``engine/cases/identity.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext, lazy_gettext

from web import schema_forms

CHANNEL = "web"
# Intake fields the customer does not fill in: set here or by the engine.
OMIT = frozenset(
    {"complaint.channel", "complaint.received_at", "complaint.language", "customer.id", "customer.segment"}
)
# The agents' wording of the intake form, said to the customer instead (label, hint) by field.
WORDING = {
    "complaint.business_type": (
        lazy_gettext("What is it about?"),
        lazy_gettext("The banking service your complaint concerns."),
    ),
    "complaint.category": (
        lazy_gettext("What happened?"),
        lazy_gettext("Choose the closest match; we will check it with you."),
    ),
    "complaint.description": (
        lazy_gettext("Describe your complaint"),
        lazy_gettext(
            "In your own words: what happened, when, and what you would like us to do. "
            "Never write passwords, PINs or full card numbers."
        ),
    ),
    "complaint.amount": (
        lazy_gettext("Amount in dispute (CNY)"),
        lazy_gettext("Leave empty if no money is in dispute."),
    ),
    "complaint.occurred_at": (lazy_gettext("When did it happen?"), lazy_gettext("If you know it.")),
    "customer.name": (lazy_gettext("Your name"), lazy_gettext("As on your bank account.")),
    "customer.phone": (
        lazy_gettext("Your mobile number"),
        lazy_gettext("We call or text you on this number about your complaint."),
    ),
}
GROUPS = {"complaint": lazy_gettext("Your complaint"), "customer": lazy_gettext("How we reach you")}


def fields(schema: dict, values: Any, errors: dict[str, str], *, language: str, timezone: str):
    """The intake form's fields for the customer, in their words, grouped as "your complaint" and "you"."""
    shown = schema_forms.fields(schema, values, errors, language=language, timezone=timezone, omit=OMIT)
    for field in shown:
        label, hint = WORDING.get(field.name, (None, None))
        field.label = str(label) if label else field.label
        field.hint = str(hint) if hint else field.hint
        group = GROUPS.get(field.name.split(".")[0])
        field.group = str(group) if group else field.group
    return shown


def read(schema: dict, form, *, language: str, timezone: str, now: datetime) -> tuple[dict, dict[str, str]]:
    """The submission for the engine, and the customer's mistakes by field (empty when there are none)."""
    data, errors = schema_forms.read(schema, form, timezone=timezone, omit=OMIT)
    complaint = data.setdefault("complaint", {})
    person = data.setdefault("customer", {})
    complaint["channel"] = CHANNEL
    complaint["language"] = "zh" if language.startswith("zh") else "en"
    person["id"] = "web"  # a placeholder for the form's check: the engine gives a public filing its own id
    for path, message in schema_forms.check(schema, data).items():
        if path not in OMIT:  # what the customer did not fill in is not theirs to correct
            errors.setdefault(path, message)
    occurred = complaint.get("occurred_at")
    if (
        occurred
        and "complaint.occurred_at" not in errors
        and datetime.fromisoformat(occurred.replace("Z", "+00:00")) > now
    ):
        errors["complaint.occurred_at"] = gettext("This is in the future.")
    return data, errors
