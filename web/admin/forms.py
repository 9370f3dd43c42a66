"""Reading and checking the administrator's form fields, with messages in the page's language."""

from __future__ import annotations

from flask_babel import gettext as _

from engine.accounts import DISPLAY_NAME_MAX, USERNAME
from engine.models import Role

ROLES = tuple(Role)
PASSWORD_MIN = 8
PASSWORD_MAX = 1024


def username(form, errors: dict[str, str]) -> str:
    value = (form.get("username") or "").strip()
    if not value:
        errors["username"] = _("Enter a username.")
    elif not USERNAME.match(value):
        errors["username"] = _("Use 2 to 150 letters, digits or . _ @ - (no spaces).")
    return value


def display_name(form, errors: dict[str, str]) -> str:
    value = (form.get("display_name") or "").strip()
    if len(value) > DISPLAY_NAME_MAX:
        errors["display_name"] = _("Keep the name under %(count)d characters.", count=DISPLAY_NAME_MAX)
    return value


def role(form, errors: dict[str, str]) -> str:
    value = form.get("role") or ""
    if value not in ROLES:
        errors["role"] = _("Choose one of the roles listed.")
    return value


def departments(form, known: set[str], errors: dict[str, str]) -> list[str]:
    chosen = list(dict.fromkeys(form.getlist("departments")))
    if any(code not in known for code in chosen):
        errors["departments"] = _("Choose departments from the list.")
    return chosen


def password(form, errors: dict[str, str], name: str = "password") -> str:
    value = form.get(name) or ""
    if len(value) < PASSWORD_MIN:
        errors[name] = _("Use at least %(count)d characters.", count=PASSWORD_MIN)
    elif len(value) > PASSWORD_MAX:
        errors[name] = _("Use at most %(count)d characters.", count=PASSWORD_MAX)
    return value


def translate(engine_errors: dict[str, str]) -> dict[str, str]:
    """The engine's field errors that the page could not foresee (the last administrator, say), in words."""
    messages = {
        "active": _(
            "You cannot disable the last active administrator, nor yourself; ask another administrator."
        ),
        "role": _(
            "You cannot demote the last active administrator, nor yourself; ask another administrator."
        ),
    }
    return {name: messages.get(name, _("Check this field.")) for name in engine_errors}
