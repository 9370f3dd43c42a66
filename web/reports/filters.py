"""The date range and filters of a figures page, read from the query string (or messages by field)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from engine.errors import ValidationFailed
from engine.reports.figures import MAX_DAYS, Filters
from web.labels import TIERS
from web.reports.words import CATEGORIES, INTAKE_CHANNELS

FIELDS = ("from", "to", "tier", "channel", "category")
DEFAULT_DAYS = 30


@dataclass
class Chosen:
    values: dict[str, str]  # as typed, to show again
    filters: Filters | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def query(self) -> dict[str, str]:
        """The filters as query parameters, for links to the cases behind a number."""
        return {name: value for name, value in self.values.items() if value}


def read(args: Mapping[str, str], timezone: str, now: datetime) -> Chosen:
    """The range asked for; by default the last 30 days up to today, in the bank's time zone."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    values = {name: (args.get(name) or "").strip() for name in FIELDS}
    values["from"] = values["from"] or (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    values["to"] = values["to"] or today.isoformat()
    chosen = Chosen(values)
    errors = chosen.errors
    first, last = _day(values["from"], "from", errors), _day(values["to"], "to", errors)
    for name, allowed in (("tier", TIERS), ("channel", INTAKE_CHANNELS), ("category", CATEGORIES)):
        if values[name] and values[name] not in allowed:
            errors[name] = _("Choose one of the options.")
    if first and last and last < first:
        errors["to"] = _("The last day comes before the first day.")
    elif first and last and (last - first).days > MAX_DAYS:
        errors["to"] = _("Choose at most %(n)s days.", n=MAX_DAYS)
    if not errors and first and last:
        try:
            chosen.filters = Filters.for_days(
                first,
                last,
                timezone,
                tier=values["tier"],
                channel=values["channel"],
                category=values["category"],
            )
        except ValidationFailed as refused:  # the engine's own checks, in case they grow
            errors["to"] = str(refused)
    return chosen


def _day(text: str, name: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = _("Give a date as YYYY-MM-DD.")
        return None
