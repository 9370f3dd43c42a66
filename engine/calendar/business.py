"""The business calendar: which days are working days, and deadlines in working days or business hours.

Working-day limits follow the Chinese public-holiday calendar with its make-up working days (调休): a Saturday
the State Council declares a working day counts, a weekday inside a holiday does not. The dates come from the
``chinesecalendar`` package, which ships each year's State Council notice (1.11 covers 2004-2026). ``holidays``
knows the make-up days too, but for a year without a notice it silently returns an estimate; a bank needs to
know when it is looking at a guess, so its deadlines are built on the package that says where its data ends.

Everything goes through one interface, ``BusinessCalendar``. ``calendar_from_settings`` picks the class from
``CALENDAR``; another country is a class in ``CALENDARS`` and a change of setting.

Diagram expressions use the case's calendar, set with ``calendar_scope`` as ``engine_clock`` sets the time:

    <bpmn:timeDate>working_days_after(complaint["received_at"], 3)</bpmn:timeDate>
    <bpmn:timeDate>business_hours_after(complaint["received_at"], 4, "frontline")</bpmn:timeDate>
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

import chinese_calendar

from engine.calendar.settings import check_hours, check_overrides, parse_business_hours, parse_overrides, zone

log = logging.getLogger(__name__)

DEFAULT_HOURS: Mapping[str, tuple[time, time]] = {"default": (time(9), time(17))}
# A deadline more than ten years away is a mistake in a diagram; refusing it also bounds the day-by-day walk.
MAX_SPAN_DAYS = 3660


class BusinessCalendar(Protocol):
    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day (a datetime is judged by its date in the calendar's time zone)."""
        ...

    def add_working_days(self, start: datetime, days: int) -> datetime: ...

    def add_business_hours(
        self, start: datetime, hours: float, department: str | None = None
    ) -> datetime: ...


class ChineseCalendar:
    """Mainland China's working days, with business hours per department, in the bank's time zone.

    ``hours`` maps a department to its (opens, closes) on working days; a department without an entry, or
    ``None``, uses ``"default"`` (09:00-17:00 unless given). ``overrides`` declares days working (True) or not
    (False) and wins over the package: an administrator enters a new State Council notice before the package
    has it, or a local closure.

    A year the package does not cover (2027 with chinesecalendar 1.11) counts Monday to Friday as working days,
    plus the overrides, and logs a warning once per year per calendar. Refusing instead would stop every
    deadline that reaches into the new year, and from 1 January every new case: the bank could not take in
    complaints at all. The fallback errs early, mostly: holiday weekdays count as working, so deadlines come
    sooner and escalations fire early; only a make-up weekend day can move a deadline a day later. The warning
    tells operators to upgrade the package or enter the notice in ``CALENDAR_OVERRIDES``.
    """

    known_years = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)

    def __init__(
        self,
        tz: str = "Asia/Shanghai",
        hours: Mapping[str, tuple[time, time]] | None = None,
        overrides: Mapping[date, bool] | None = None,
    ):
        self.tz = zone(tz)
        self.hours = {**DEFAULT_HOURS, **check_hours(hours or {})}
        self.overrides = check_overrides(overrides or {})
        self._warned: set[int] = set()

    def __repr__(self) -> str:
        return f"ChineseCalendar(tz={self.tz.key!r}, departments={sorted(self.hours)})"

    def is_working_day(self, day: date) -> bool:
        if isinstance(day, datetime):
            day = self._local(day).date()
        override = self.overrides.get(day)
        if override is not None:
            return override
        if day.year in self.known_years:
            return chinese_calendar.is_workday(day)
        if day.year not in self._warned:
            self._warned.add(day.year)
            log.warning(
                "The Chinese holiday calendar for %d is unknown (chinesecalendar covers %d-%d): counting Monday "
                "to Friday as working days, plus CALENDAR_OVERRIDES. Upgrade chinesecalendar or enter the State "
                "Council's notice for %d in CALENDAR_OVERRIDES.",
                day.year,
                self.known_years.start,
                self.known_years.stop - 1,
                day.year,
            )
        return day.weekday() < 5

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same wall-clock time ``days`` working days later, in the calendar's time zone.

        A start on a non-working day (judged in the calendar's time zone) is first moved to 00:00 of the next
        working day, so that ``days`` whole working days pass: received Saturday, 3 working days is Thursday
        00:00, once Monday to Wednesday are over. ``days=0`` returns the start, moved if it had to be.
        """
        if isinstance(days, bool) or not isinstance(days, int):
            raise TypeError(f"working days must be a whole number, got {days!r}")
        if not 0 <= days <= MAX_SPAN_DAYS:
            raise ValueError(f"working days must be between 0 and {MAX_SPAN_DAYS}, got {days}")
        local = self._local(start)
        day = local.date()
        if not self.is_working_day(day):
            day = self._next_working_day(day)
            local = datetime.combine(day, time(0), self.tz)
        for _ in range(days):
            day = self._next_working_day(day)
        return datetime.combine(day, local.time(), self.tz)

    def add_business_hours(self, start: datetime, hours: float, department: str | None = None) -> datetime:
        """The moment ``hours`` hours of the department's business hours on working days have passed.

        The result always lies within business hours (a window's closing time included): 4 hours from 15:00
        with 09:00-17:00 is 11:00 on the next working day, and 0 hours from an evening is the next opening.
        """
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 <= hours < float("inf"):
            raise ValueError(f"business hours must be a number of hours, 0 or more, got {hours!r}")
        opens, closes = self.hours.get(department or "default", self.hours["default"])
        local = self._local(start)
        remaining = timedelta(hours=hours)
        day = local.date()
        for _ in range(MAX_SPAN_DAYS):
            if self.is_working_day(day):
                begin = max(local, datetime.combine(day, opens, self.tz))
                end = datetime.combine(day, closes, self.tz)
                if begin <= end:
                    if remaining <= end - begin:
                        return begin + remaining
                    remaining -= end - begin
            day += timedelta(days=1)
        raise ValueError(f"{hours} business hours from {start.isoformat()} is more than ten years away")

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError(f"{moment.isoformat()} has no time zone")
        return moment.astimezone(self.tz)

    def _next_working_day(self, day: date) -> date:
        for offset in range(1, 367):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within a year after {day.isoformat()}; check CALENDAR_OVERRIDES")


CALENDARS: Mapping[str, Callable[..., BusinessCalendar]] = {"CN": ChineseCalendar}


def calendar_from_settings(settings: Mapping) -> BusinessCalendar:
    """Build the bank's calendar from ``CALENDAR``, ``TIMEZONE``, ``BUSINESS_HOURS`` and ``CALENDAR_OVERRIDES``.

    ``BUSINESS_HOURS`` maps a department to ``"09:00-17:00"``; ``CALENDAR_OVERRIDES`` maps ``"YYYY-MM-DD"`` to
    true (working) or false (day off). Either may be JSON text, as it comes from the environment.
    """
    name = str(settings.get("CALENDAR") or "CN").strip().upper()
    if name not in CALENDARS:
        allowed = ", ".join(sorted(CALENDARS))
        raise ValueError(f"CALENDAR {settings.get('CALENDAR')!r} is not known; allowed: {allowed}")
    return CALENDARS[name](
        tz=settings.get("TIMEZONE") or "Asia/Shanghai",
        hours=parse_business_hours(settings.get("BUSINESS_HOURS")),
        overrides=parse_overrides(settings.get("CALENDAR_OVERRIDES")),
    )


_current: contextvars.ContextVar[BusinessCalendar | None] = contextvars.ContextVar(
    "business_calendar", default=None
)


@functools.cache
def _default_calendar() -> BusinessCalendar:
    return ChineseCalendar()


def current_calendar() -> BusinessCalendar:
    """The calendar of the enclosing ``calendar_scope``; outside one, mainland China's with default hours."""
    calendar = _current.get()
    return _default_calendar() if calendar is None else calendar


@contextlib.contextmanager
def calendar_scope(calendar: BusinessCalendar) -> Iterator[None]:
    """Run the enclosed engine work, diagram expressions included, with ``calendar`` as the case's calendar."""
    token = _current.set(calendar)
    try:
        yield
    finally:
        _current.reset(token)


# --- helpers for diagram expressions (registered in the sandbox by engine/scripting/helpers.py) --------------


def _moment(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"expected a date-time or ISO 8601 text, got {type(value).__name__}")
    if value.tzinfo is None:
        raise ValueError(f"{value.isoformat()} has no time zone")
    return value


def working_days_after(start: datetime | str, days: int) -> str:
    """``days`` working days after ``start``, by the case's calendar, as ISO 8601 text in UTC."""
    return current_calendar().add_working_days(_moment(start), days).astimezone(UTC).isoformat()


def business_hours_after(start: datetime | str, hours: float, department: str | None = None) -> str:
    """``hours`` business hours (of ``department``) after ``start``, as ISO 8601 text in UTC."""
    result = current_calendar().add_business_hours(_moment(start), hours, department)
    return result.astimezone(UTC).isoformat()


def is_working_day(day: date | datetime | str) -> bool:
    """Whether a date (``"2026-10-08"``) or an aware date-time is on a working day of the case's calendar."""
    if isinstance(day, str):
        day = date.fromisoformat(day) if len(day) == 10 else _moment(day)
    elif not isinstance(day, date):
        raise TypeError(f"expected a date, a date-time or ISO 8601 text, got {type(day).__name__}")
    elif isinstance(day, datetime):
        day = _moment(day)
    return current_calendar().is_working_day(day)
