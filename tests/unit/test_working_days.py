"""The core's working-day rules: a date moves to the next day the predicate calls a working day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from lifecycle import Policy
from lifecycle.working_days import next_working_day, survey_closes_on, survey_has_closed

WEEKDAYS = lambda d: d.weekday() < 5  # noqa: E731 - a predicate as the services pass one
HOLIDAYS = {date(2026, 12, 25), date(2026, 12, 28)}  # Christmas Day; Boxing Day's substitute


def works(d: date) -> bool:
    return WEEKDAYS(d) and d not in HOLIDAYS


def test_a_working_day_stays_and_a_weekend_or_holiday_moves_to_the_next_working_day():
    assert next_working_day(date(2026, 12, 4), works) == date(2026, 12, 4)  # a Friday
    assert next_working_day(date(2026, 12, 5), works) == date(2026, 12, 7)  # Saturday → Monday
    assert next_working_day(date(2026, 12, 25), works) == date(2026, 12, 29)  # past Christmas and the weekend


def test_a_calendar_without_working_days_keeps_the_date_given():
    assert next_working_day(date(2026, 12, 5), lambda d: False) == date(2026, 12, 5)


def test_the_survey_closes_on_the_windows_last_day_moved_to_a_working_day():
    p = Policy()
    opened = date(2026, 3, 2)  # a Monday; with 21 days the window's last day is Sunday 22 March
    assert opened + timedelta(days=p.survey_window_days - 1) == date(2026, 3, 22)
    assert survey_closes_on(opened, p, works) == date(2026, 3, 23)
    assert not survey_has_closed(opened, date(2026, 3, 23), p, works)
    assert survey_has_closed(opened, date(2026, 3, 24), p, works)
    assert survey_closes_on(opened, replace(p, survey_window_days=19), works) == date(2026, 3, 20)  # a Friday
