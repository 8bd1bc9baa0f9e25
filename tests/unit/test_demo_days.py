"""The demo's dates land on working days (copflow/demo/days.py), whatever day it runs."""

from __future__ import annotations

from datetime import date

from copflow.demo.days import DemoDays
from lifecycle import Policy

DAYS = DemoDays(Policy())  # Monday to Friday, England's public holidays


def test_a_day_held_on_a_weekend_or_holiday_moves_back_to_the_working_day_before():
    assert DAYS.held(date(2026, 1, 4)) == date(2026, 1, 2)  # Sunday → Friday
    assert DAYS.held(date(2025, 12, 28)) == date(2025, 12, 24)  # Sunday, after Christmas and Boxing Day
    assert DAYS.held(date(2026, 12, 1)) == date(2026, 12, 1)  # a Tuesday stays


def test_a_due_date_on_a_weekend_moves_forward_to_the_next_working_day():
    assert DAYS.due(date(2026, 12, 6)) == date(2026, 12, 7)  # Sunday → Monday
    assert DAYS.due(date(2026, 12, 25)) == date(2026, 12, 29)  # Christmas (Friday), Boxing Day moved to Monday


def test_the_reminded_action_falls_due_on_a_working_day_within_the_reminder_days():
    assert DAYS.working_day_within(date(2026, 12, 1), 3) == date(2026, 12, 4)  # Tuesday → Friday
    assert DAYS.working_day_within(date(2026, 12, 3), 3) == date(2026, 12, 4)  # Thursday → Friday, not Sunday
    assert DAYS.working_day_within(date(2026, 12, 24), 3) == date(2026, 12, 24)  # none ahead: due today
