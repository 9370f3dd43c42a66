"""The business calendar on real dates: the State Council's 2026 notice, as the chinesecalendar package carries it.

2026 in that notice: Spring Festival off 15-23 February, made up on Saturdays 14 and 28 February; National Day
off 1-7 October, made up on Sunday 20 September and Saturday 10 October.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from engine.calendar.business import (
    ChineseCalendar,
    calendar_from_settings,
    calendar_scope,
    current_calendar,
)
from engine.scripting.sandbox import evaluate

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def cal() -> ChineseCalendar:
    return ChineseCalendar()


def test_the_package_covers_2026():
    assert 2026 in ChineseCalendar.known_years


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 7), False),  # a Wednesday inside the holiday
        (date(2026, 10, 8), True),  # the first day back
        (date(2026, 9, 20), True),  # make-up Sunday
        (date(2026, 10, 10), True),  # make-up Saturday
        (date(2026, 10, 11), False),  # an ordinary Sunday
        (date(2026, 2, 14), True),  # make-up Saturday before Spring Festival
        (date(2026, 2, 16), False),  # Spring Festival eve, a Monday
        (date(2026, 2, 23), False),  # last day of Spring Festival, a Monday
        (date(2026, 2, 28), True),  # make-up Saturday after it
        (date(2026, 11, 13), True),  # an ordinary Friday
        (date(2026, 11, 14), False),  # an ordinary Saturday
    ],
)
def test_working_days_follow_the_2026_notice(cal, day, working):
    assert cal.is_working_day(day) is working


def test_three_working_days_from_the_eve_of_national_day_land_after_the_holiday_on_the_make_up_saturday(cal):
    # 30 Sep (Wed) + 3: 8 Oct (Thu), 9 Oct (Fri), 10 Oct (make-up Saturday).
    assert cal.add_working_days(at(2026, 9, 30, 10, 0), 3) == at(2026, 10, 10, 10, 0)


def test_a_limit_spanning_a_make_up_sunday_counts_it(cal):
    # 18 Sep (Fri) + 1 is the make-up Sunday 20 Sep, not Monday 21 Sep.
    assert cal.add_working_days(at(2026, 9, 18, 16, 30), 1) == at(2026, 9, 20, 16, 30)


def test_three_working_days_across_spring_festival(cal):
    # 13 Feb (Fri) + 3: 14 Feb (make-up Saturday), then the holiday to 23 Feb, then 24 and 25 Feb.
    assert cal.add_working_days(at(2026, 2, 13, 9, 15), 3) == at(2026, 2, 25, 9, 15)


def test_a_plain_weekend_is_skipped(cal):
    assert cal.add_working_days(at(2026, 11, 13, 16, 0), 1) == at(2026, 11, 16, 16, 0)
    assert cal.add_working_days(at(2026, 11, 13, 16, 0), 5) == at(2026, 11, 20, 16, 0)


def test_a_start_on_a_non_working_day_counts_from_the_next_working_days_midnight(cal):
    # Received Saturday: Monday to Wednesday are the three days, the limit is Thursday 00:00.
    assert cal.add_working_days(at(2026, 11, 14, 15, 0), 3) == at(2026, 11, 19)
    # Received on a National Day afternoon: counted from 8 Oct 00:00; 9 Oct, 10 Oct (make-up), then 12 Oct.
    assert cal.add_working_days(at(2026, 10, 3, 15, 0), 3) == at(2026, 10, 12)
    assert cal.add_working_days(at(2026, 10, 3, 15, 0), 0) == at(2026, 10, 8)


def test_the_day_is_judged_in_the_banks_time_zone(cal):
    # 30 Sep 20:00 UTC is already 1 Oct 04:00 in Shanghai, a holiday.
    start = datetime(2026, 9, 30, 20, 0, tzinfo=UTC)
    assert not cal.is_working_day(start)
    assert cal.add_working_days(start, 1) == at(2026, 10, 9)
    assert cal.add_working_days(start, 1).tzinfo == SHANGHAI


def test_business_hours_run_over_the_evening_and_the_weekend(cal):
    # Friday 15:00 + 4h of 09:00-17:00: 2h on Friday, 2h on Monday.
    assert cal.add_business_hours(at(2026, 11, 13, 15, 0), 4) == at(2026, 11, 16, 11, 0)
    # Tuesday 21:00 + 1h: nothing counts until Wednesday 09:00.
    assert cal.add_business_hours(at(2026, 11, 17, 21, 0), 1) == at(2026, 11, 18, 10, 0)
    # Exactly the rest of the day ends at closing time, not the next morning.
    assert cal.add_business_hours(at(2026, 11, 17, 13, 0), 4) == at(2026, 11, 17, 17, 0)
    # Half hours, and zero hours from the evening is the next opening.
    assert cal.add_business_hours(at(2026, 11, 17, 16, 0), 1.5) == at(2026, 11, 18, 9, 30)
    assert cal.add_business_hours(at(2026, 11, 13, 18, 0), 0) == at(2026, 11, 16, 9, 0)


def test_business_hours_skip_the_holiday_and_use_the_make_up_saturday(cal):
    # 30 Sep 16:00 + 8h: 1h that day, 7h on 8 Oct ending 16:00.
    assert cal.add_business_hours(at(2026, 9, 30, 16, 0), 8) == at(2026, 10, 8, 16, 0)
    # 9 Oct (Fri) 16:00 + 2h: 1h Friday, 1h on the make-up Saturday.
    assert cal.add_business_hours(at(2026, 10, 9, 16, 0), 2) == at(2026, 10, 10, 10, 0)


def test_each_department_has_its_own_hours_and_others_use_the_default():
    cal = ChineseCalendar(hours={"frontline": (time(8, 30), time(20, 0))})
    # Friday 15:00 + 6h: 5h to 20:00, then 1h from Monday 08:30.
    assert cal.add_business_hours(at(2026, 11, 13, 15, 0), 6, "frontline") == at(2026, 11, 16, 9, 30)
    assert cal.add_business_hours(at(2026, 11, 13, 15, 0), 6) == at(2026, 11, 16, 13, 0)
    assert cal.add_business_hours(at(2026, 11, 13, 15, 0), 6, "risk") == at(2026, 11, 16, 13, 0)
    # A department's hours apply on working days only.
    assert cal.add_business_hours(at(2026, 11, 14, 10, 0), 1, "frontline") == at(2026, 11, 16, 9, 30)


def test_overrides_win_over_the_package():
    cal = ChineseCalendar(
        overrides={date(2026, 11, 16): False, date(2026, 10, 10): False, date(2026, 10, 4): True}
    )
    assert not cal.is_working_day(date(2026, 11, 16))
    assert cal.add_working_days(at(2026, 11, 13, 10, 0), 1) == at(2026, 11, 17, 10, 0)
    # The make-up Saturday called off and a holiday Sunday made working.
    assert cal.is_working_day(date(2026, 10, 4))
    assert cal.add_working_days(at(2026, 9, 30, 10, 0), 3) == at(2026, 10, 9, 10, 0)


def test_an_unknown_year_counts_weekdays_warns_once_and_takes_overrides(caplog):
    year = ChineseCalendar.known_years.stop  # 2027 with chinesecalendar 1.11
    monday = next(date(year, 7, d) for d in range(1, 8) if date(year, 7, d).weekday() == 0)
    tuesday, saturday = (date.fromordinal(monday.toordinal() + n) for n in (1, 5))
    cal = ChineseCalendar(overrides={tuesday: False})
    with caplog.at_level(logging.WARNING, logger="engine.calendar.business"):
        assert cal.is_working_day(monday)
        assert not cal.is_working_day(saturday)
        assert not cal.is_working_day(tuesday)
        # Monday + 5 skips the Tuesday off and the weekend: Wed, Thu, Fri, Mon, Tue.
        start = datetime.combine(monday, time(10), SHANGHAI)
        assert cal.add_working_days(start, 5) == datetime.combine(
            date.fromordinal(monday.toordinal() + 8), time(10), SHANGHAI
        )
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert f"for {year} is unknown" in warnings[0]
    assert "CALENDAR_OVERRIDES" in warnings[0]


def test_a_year_before_the_package_data_also_falls_back():
    year = ChineseCalendar.known_years.start - 1
    assert ChineseCalendar().is_working_day(date(year, 10, 1)) is (date(year, 10, 1).weekday() < 5)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.add_working_days(datetime(2026, 11, 13, 10), 1), "has no time zone"),
        (lambda c: c.add_working_days(at(2026, 11, 13), -1), "between 0 and"),
        (lambda c: c.add_working_days(at(2026, 11, 13), 10**9), "between 0 and"),
        (lambda c: c.add_business_hours(at(2026, 11, 13), -1), "0 or more"),
        (lambda c: c.add_business_hours(at(2026, 11, 13), float("nan")), "0 or more"),
        (lambda c: c.add_business_hours(at(2026, 11, 13), 10**7), "more than ten years"),
    ],
)
def test_nonsense_amounts_are_refused(cal, call, message):
    with pytest.raises(ValueError, match=message):
        call(cal)


def test_fractional_working_days_are_refused(cal):
    with pytest.raises(TypeError, match="whole number"):
        cal.add_working_days(at(2026, 11, 13), 1.5)


def test_calendar_from_settings_reads_hours_overrides_and_zone():
    cal = calendar_from_settings(
        {
            "CALENDAR": "cn",
            "TIMEZONE": "Asia/Urumqi",
            "BUSINESS_HOURS": {"default": "10:00-18:00", "frontline": "08:30 - 20:00"},
            "CALENDAR_OVERRIDES": '{"2026-11-16": false}',
        }
    )
    assert isinstance(cal, ChineseCalendar)
    assert cal.tz == ZoneInfo("Asia/Urumqi")
    assert cal.hours == {"default": (time(10), time(18)), "frontline": (time(8, 30), time(20))}
    assert not cal.is_working_day(date(2026, 11, 16))
    defaults = calendar_from_settings({})
    assert defaults.tz == SHANGHAI and defaults.hours == {"default": (time(9), time(17))}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"CALENDAR": "US"}, r"CALENDAR 'US' is not known; allowed: CN"),
        ({"TIMEZONE": "Mars/Olympus"}, r"TIMEZONE 'Mars/Olympus' is not a known time zone"),
        (
            {"BUSINESS_HOURS": {"frontline": "nine to five"}},
            r"BUSINESS_HOURS\['frontline'\]: .* not a time range",
        ),
        ({"BUSINESS_HOURS": {"default": "08:30-25:00"}}, r"BUSINESS_HOURS\['default'\]: .* does not exist"),
        (
            {"BUSINESS_HOURS": {"night": "22:00-06:00"}},
            r"BUSINESS_HOURS\['night'\]: .* closes before it opens",
        ),
        ({"BUSINESS_HOURS": "{default: 9-5}"}, r"BUSINESS_HOURS is not valid JSON"),
        ({"BUSINESS_HOURS": ["09:00-17:00"]}, r"BUSINESS_HOURS must be a mapping"),
        ({"CALENDAR_OVERRIDES": {"2027/01/04": True}}, r"'2027/01/04' is not a date written YYYY-MM-DD"),
        ({"CALENDAR_OVERRIDES": {"2027-02-30": True}}, r"'2027-02-30' is not a date written YYYY-MM-DD"),
        ({"CALENDAR_OVERRIDES": {"2027-01-04": "yes"}}, r"\['2027-01-04'\]: expected true .* got 'yes'"),
    ],
)
def test_calendar_settings_errors_say_what_is_wrong(settings, message):
    with pytest.raises(ValueError, match=message):
        calendar_from_settings(settings)


def test_constructor_checks_hours_and_overrides():
    with pytest.raises(ValueError, match="17:00 is not after 17:00"):
        ChineseCalendar(hours={"default": (time(17), time(17))})
    with pytest.raises(ValueError, match="must be True or False"):
        ChineseCalendar(overrides={date(2027, 1, 4): 1})


def test_sandbox_helpers_give_utc_text_for_timer_events():
    data = {"complaint": {"received_at": "2026-09-30T10:00:00+08:00"}}
    due = evaluate('working_days_after(complaint["received_at"], 3)', data)
    assert due == "2026-10-10T02:00:00+00:00"
    assert datetime.fromisoformat(due) == at(2026, 10, 10, 10, 0)
    assert evaluate('business_hours_after(complaint["received_at"], 8)', data) == "2026-10-08T02:00:00+00:00"
    assert evaluate('business_hours_after("2026-11-13T15:00:00+08:00", 6, "frontline")', data) == (
        "2026-11-16T05:00:00+00:00"  # default hours: 2h Friday, 4h Monday to 13:00 Shanghai
    )
    assert evaluate('is_working_day("2026-10-10")', {}) is True
    assert evaluate('is_working_day("2026-09-30T20:00:00+00:00")', {}) is False
    assert evaluate("is_working_day(date(2026, 10, 1))", {}) is False


def test_sandbox_helpers_follow_the_calendar_scope():
    frontline = ChineseCalendar(
        hours={"frontline": (time(8, 30), time(20, 0))}, overrides={date(2026, 10, 10): False}
    )
    with calendar_scope(frontline):
        assert current_calendar() is frontline
        assert (
            evaluate('working_days_after("2026-09-30T10:00:00+08:00", 3)', {}) == "2026-10-12T02:00:00+00:00"
        )
        assert evaluate('business_hours_after("2026-11-13T15:00:00+08:00", 6, "frontline")', {}) == (
            "2026-11-16T01:30:00+00:00"
        )
        assert evaluate('is_working_day("2026-10-10")', {}) is False
    assert current_calendar() is not frontline
    assert evaluate('is_working_day("2026-10-10")', {}) is True


def test_sandbox_helpers_refuse_times_without_a_zone():
    with pytest.raises(ValueError, match="has no time zone"):
        evaluate('working_days_after("2026-09-30T10:00:00", 3)', {})
