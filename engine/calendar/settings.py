"""Read and check the business calendar's settings, with errors an administrator can act on."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_RANGE = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"TIMEZONE {name!r} is not a known time zone such as 'Asia/Shanghai'") from None


def check_hours(hours: Mapping[str, tuple[time, time]]) -> dict[str, tuple[time, time]]:
    """Return ``hours`` as a dict after checking each department's (opens, closes)."""
    checked = {}
    for department, window in hours.items():
        if not isinstance(department, str) or not department.strip():
            raise ValueError(f"business hours: {department!r} is not a department name")
        if not (
            isinstance(window, tuple | list)
            and len(window) == 2
            and all(isinstance(t, time) and t.tzinfo is None for t in window)
        ):
            raise ValueError(
                f"business hours of {department!r}: expected (opens, closes) times, got {window!r}"
            )
        opens, closes = window
        if opens >= closes:
            raise ValueError(f"business hours of {department!r}: {closes:%H:%M} is not after {opens:%H:%M}")
        checked[department] = (opens, closes)
    return checked


def check_overrides(overrides: Mapping[date, bool]) -> dict[date, bool]:
    """Return ``overrides`` as a dict after checking each key is a date and each value a bool."""
    for day, working in overrides.items():
        if isinstance(day, datetime) or not isinstance(day, date):
            raise ValueError(f"calendar overrides: {day!r} is not a date")
        if not isinstance(working, bool):
            raise ValueError(f"calendar overrides: {day.isoformat()} must be True or False, got {working!r}")
    return dict(overrides)


def _mapping(name: str, value: Any) -> Mapping:
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except json.JSONDecodeError as error:
            raise ValueError(f"{name} is not valid JSON: {error}") from None
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be a mapping (or JSON object), got {type(value).__name__}")
    return value


def parse_business_hours(value: Any) -> dict[str, tuple[time, time]]:
    """``{"default": "09:00-17:00", "frontline": "08:30-20:00"}`` -> department -> (opens, closes)."""
    hours = {}
    for department, text in _mapping("BUSINESS_HOURS", value).items():
        where = f"BUSINESS_HOURS[{department!r}]"
        match = _RANGE.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"{where}: {text!r} is not a time range like '09:00-17:00'")
        h1, m1, h2, m2 = map(int, match.groups())
        try:
            opens, closes = time(h1, m1), time(h2, m2)
        except ValueError:
            raise ValueError(
                f"{where}: {text!r} names a time that does not exist (hours 0-23, minutes 0-59)"
            ) from None
        if opens >= closes:
            raise ValueError(f"{where}: {text!r} closes before it opens (a window cannot cross midnight)")
        hours[department] = (opens, closes)
    return hours


def parse_overrides(value: Any) -> dict[date, bool]:
    """``{"2027-02-06": true, "2027-02-11": false}`` -> date -> working."""
    overrides = {}
    for text, working in _mapping("CALENDAR_OVERRIDES", value).items():
        try:
            day = date.fromisoformat(text) if isinstance(text, str) and len(text) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise ValueError(f"CALENDAR_OVERRIDES: {text!r} is not a date written YYYY-MM-DD")
        if not isinstance(working, bool):
            raise ValueError(
                f"CALENDAR_OVERRIDES[{text!r}]: expected true (a working day) or false (a day off), got {working!r}"
            )
        overrides[day] = working
    return overrides
