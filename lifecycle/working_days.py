"""Dates people would write on a working day: a closing date or a survey deadline that falls on a weekend, a
public holiday or a closure day moves to the next working day, as meetings already do.

Which days are working days is the application's to say (copflow/services/meetings/recurrence.py: the policy's working
days, the CoP's public holidays from the `holidays` package, the closure days); the rules here take it as a
predicate, so the core stays free of calendars and clocks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from lifecycle.policy import Policy

IsWorkingDay = Callable[[date], bool]
# Longer than any break a calendar has (Christmas to New Year, with closure days, is under two weeks).
MAX_DAYS_MOVED = 31


def next_working_day(day: date, is_working: IsWorkingDay) -> date:
    """`day` itself when people work on it, else the first working day after it. A calendar with no working day
    in the month after `day` keeps `day` as given rather than inventing one."""
    for n in range(MAX_DAYS_MOVED + 1):
        candidate = day + timedelta(days=n)
        if is_working(candidate):
            return candidate
    return day


def survey_closes_on(opened: date, p: Policy, is_working: IsWorkingDay) -> date:
    """The review survey's last day, as the call to members says it: the window (the policy's
    `survey_window_days`, counting the day the review opened) moved to a working day. The evaluation counts the
    answers until then and runs the day after, so the deadline mailed is the window evaluated."""
    return next_working_day(opened + timedelta(days=p.survey_window_days - 1), is_working)


def survey_has_closed(opened: date, today: date, p: Policy, is_working: IsWorkingDay) -> bool:
    """True from the day after the survey's last day: the review can be evaluated."""
    return today > survey_closes_on(opened, p, is_working)


def decision_deadline(review_opened: date, p: Policy, is_working: IsWorkingDay) -> date:
    """The day a review's decision is due: the policy's `review_decision_weeks` after it opened, on a working day.
    The same date as the review_passed gate's due date (lifecycle/due.py), so mails, pages and the sweep agree."""
    return next_working_day(review_opened + timedelta(weeks=p.review_decision_weeks), is_working)


def earliest_closing_on(today: date, p: Policy, is_working: IsWorkingDay) -> date:
    """The earliest closing date a decision taken `today` may announce: the notice period, on a working day (a
    closing date given on a weekend moves to the next working day, so the earliest one said is one it keeps)."""
    return next_working_day(today + timedelta(weeks=p.notice_period_weeks), is_working)
