"""Reading and checking the supervisor's form fields, with messages in the page's language."""

from __future__ import annotations

from flask_babel import gettext as _

from engine.cases.assignment import REASON_MAX
from engine.models import User


def reason(form, errors: dict[str, str], name: str = "reason") -> str:
    text = (form.get(name) or "").strip()
    if not text:
        errors[name] = _("Give a reason; it is recorded and shown in the case's history.")
    elif len(text) > REASON_MAX:
        errors[name] = _("Keep the reason under %(count)d characters.", count=REASON_MAX)
    return text


def person(form, name: str, choices: list[User], errors: dict[str, str]) -> User | None:
    """The user picked in a select of ``choices`` (by id); anything else is an error on the field."""
    raw = (form.get(name) or "").strip()
    if not raw:
        errors[name] = _("Choose a person.")
        return None
    chosen = next((u for u in choices if str(u.id) == raw), None)
    if chosen is None:
        errors[name] = _("Choose one of the people listed.")
    return chosen
