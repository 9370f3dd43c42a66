"""Time and business-calendar helpers for diagram expressions, registered in the sandbox.

Limits in the service standard run from the complaint's receipt ("within 1 hour of receipt"), not from when a
task happens to start. A timer boundary event expresses that as an absolute due time:

    <bpmn:timeDate>after(complaint["received_at"], "PT1H")</bpmn:timeDate>

The business-calendar helpers (``working_days_after``, ``business_hours_after``, ``is_working_day``) count by
the case's calendar (engine/calendar/business.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.calendar.business import business_hours_after, is_working_day, working_days_after
from engine.scripting.durations import check_timer_value
from engine.scripting.sandbox import register_helper


def _as_datetime(value: datetime | str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value)
    else:
        raise TypeError(f"expected a date-time or ISO 8601 text, got {type(value).__name__}")
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return moment.astimezone(UTC)


def after(start: datetime | str, duration: str) -> str:
    """``start`` plus an ISO 8601 duration (``"PT15M"``, ``"P3D"``), as ISO 8601 text in UTC."""
    moment = _as_datetime(start)
    try:
        parsed = TimerEventDefinition.parse_iso_duration(duration)
    except Exception:
        raise ValueError(f"{duration!r} is not an ISO 8601 duration such as 'PT1H' or 'P3D'") from None
    check_timer_value("duration", duration)  # before the month-by-month arithmetic below
    return (moment + TimerEventDefinition.get_timedelta_from_start(parsed, moment)).isoformat()


register_helper("after", after)
register_helper("working_days_after", working_days_after)
register_helper("business_hours_after", business_hours_after)
register_helper("is_working_day", is_working_day)
