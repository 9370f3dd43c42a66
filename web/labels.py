"""Words for the codes several audiences' pages show: tiers, lanes (departments), system actors, notice states."""

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
