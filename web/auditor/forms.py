"""The case search form: what the auditor typed, checked, as search criteria (or messages by field)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from engine.clock import as_utc
from web.auditor.queries import Criteria, Keyset
from web.labels import CASE_STATUSES, TIERS

REFERENCE_MAX = 32  # cases.reference
CUSTOMER_MAX = 200  # customers.name
_REFERENCE = re.compile(r"^[A-Z0-9]+$")
FIELDS = ("reference", "customer", "received_from", "received_to", "tier", "status")


@dataclass
class Search:
    values: dict[str, str]  # as typed, to show in the form again
    criteria: Criteria = field(default_factory=Criteria)
    keyset: Keyset = field(default_factory=Keyset)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def filtered(self) -> bool:
        return any(self.values[name] for name in FIELDS)

    def query(self) -> dict[str, str]:
        """The filters as query parameters, for the pager's links."""
        return {name: value for name, value in self.values.items() if name in FIELDS and value}


def read(args: Mapping[str, str], timezone: str) -> Search:
    """The search the query string asks for. Dates are days in the bank's time zone, ``received_to`` inclusive."""
    values = {name: (args.get(name) or "").strip() for name in FIELDS}
    search = Search(values)
    errors = search.errors
    reference = re.sub(r"\s+", "", values["reference"]).upper()
    if len(reference) > REFERENCE_MAX:
        errors["reference"] = _("Use at most %(n)s characters.", n=REFERENCE_MAX)
    elif reference and not _REFERENCE.match(reference):
        errors["reference"] = _("A case reference has only letters and digits, like C202603020000001.")
    customer = values["customer"]
    if len(customer) > CUSTOMER_MAX:
        errors["customer"] = _("Use at most %(n)s characters.", n=CUSTOMER_MAX)
    zone = ZoneInfo(timezone)
    start = _day(values["received_from"], "received_from", errors)
    end = _day(values["received_to"], "received_to", errors)
    if start and end and end < start:
        errors["received_to"] = _("The last day comes before the first day.")
    if values["tier"] and values["tier"] not in TIERS:
        errors["tier"] = _("Choose one of the options.")
    if values["status"] and values["status"] not in CASE_STATUSES:
        errors["status"] = _("Choose one of the options.")
    before, after = _cursor(args.get("before"), errors), _cursor(args.get("after"), errors)
    if errors:
        return search
    search.criteria = Criteria(
        reference=reference,
        customer=customer,
        received_from=_midnight(start, zone),
        received_before=_midnight(end + timedelta(days=1), zone) if end else None,
        tier=values["tier"],
        status=values["status"],
    )
    search.keyset = Keyset(before=before, after=after)
    return search


def _day(text: str, name: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors[name] = _("Enter a date like 2026-03-02.")
        return None
    if not 2000 <= day.year <= 2999:
        errors[name] = _("Enter a date like 2026-03-02.")
        return None
    return day


def _midnight(day: date | None, zone: ZoneInfo) -> datetime | None:
    return as_utc(datetime.combine(day, time(), tzinfo=zone)) if day else None


def _cursor(text: str | None, errors: dict[str, str]) -> int | None:
    """A page link's case id; anything else is a link this page did not make."""
    if not text:
        return None
    if not re.fullmatch(r"[0-9]{1,18}", text):
        errors["page"] = _("This page link is not valid. Start the search again.")
        return None
    return int(text)
