"""Words for the codes every audience's pages show: the tiers and the lanes (departments)."""

from __future__ import annotations

from flask_babel import lazy_gettext

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
