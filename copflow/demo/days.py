"""The demo's dates on working days: its story is written as days before (or after) today, which lands on a
weekend or a public holiday on some days the demo runs. A launch or a check-in held, a charter published, an
action due — people would have done these on a working day, so the demo moves them to one."""

from __future__ import annotations

from datetime import date, timedelta

from copflow.services.workdays import WorkingDays, organisation_working_days, working_day_on_or_after
from lifecycle import Policy

# Longer than any run of days off a calendar has (Christmas to New Year, with closure days).
_MAX_BACK = 31


class DemoDays:
    """Working days by the organisation's policy (its weekdays, public holidays and closure days)."""

    def __init__(self, policy: Policy) -> None:
        self.days: WorkingDays = organisation_working_days(policy)

    def held(self, day: date) -> date:
        """A past day as the working day on or before it: a day something was held, formed or published."""
        for n in range(_MAX_BACK + 1):
            if self.days.is_working(day - timedelta(days=n)):
                return day - timedelta(days=n)
        return day

    def due(self, day: date) -> date:
        """A coming day as the working day on or after it: a due date or a review date."""
        return working_day_on_or_after(day, self.days)

    def working_day_within(self, today: date, days_ahead: int) -> date:
        """The latest working day after today and at most `days_ahead` days ahead (today when there is none):
        a due date whose reminder today's sweep sends."""
        for n in range(days_ahead, 0, -1):
            if self.days.is_working(today + timedelta(days=n)):
                return today + timedelta(days=n)
        return today
