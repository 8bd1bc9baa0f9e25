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


# Issue 29 item 5: every date the core computes for people to keep falls on a working day of the CoP.
def test_a_review_due_on_a_saturday_is_due_on_the_monday():
    from lifecycle import Gate, Stage, due_gates, next_review_on
    from tests.unit.builders import snap

    active = snap(Stage.ACTIVE, charter=None, review_anchor_on=date(2026, 12, 4), is_working=works)
    assert next_review_on(replace(active, is_working=lambda d: True), Policy()) == date(2027, 12, 4)  # a Saturday
    assert next_review_on(active, Policy()) == date(2027, 12, 6)
    assert [(d.gate, d.due_on) for d in due_gates(active, date(2027, 1, 1), Policy())] == [
        (Gate.REVIEW_DUE, date(2027, 12, 6))]


def test_a_launch_due_on_christmas_day_is_due_on_the_next_working_day():
    from lifecycle import Gate, Stage, due_gates
    from tests.unit.builders import snap

    p = Policy()
    launching = replace(snap(Stage.LAUNCHING, gates=(), is_working=works),
                        stage_entered_on=date(2026, 12, 25) - timedelta(weeks=p.launch_weeks))
    assert [(d.gate, d.due_on) for d in due_gates(launching, date(2026, 12, 1), p)] == [
        (Gate.LAUNCH_HELD, date(2026, 12, 29))]  # past Christmas, the weekend and Boxing Day's substitute


def test_the_earliest_closing_date_said_is_a_working_day_and_is_accepted():
    from lifecycle import Gate, Stage, check_gate
    from lifecycle.working_days import decision_deadline, earliest_closing_on
    from tests.unit.builders import GOOD, snap

    today = date(2026, 12, 6)  # four weeks on is Sunday 3 January 2027
    assert earliest_closing_on(today, Policy(), works) == date(2027, 1, 4)
    assert decision_deadline(date(2026, 11, 8), Policy(), works).weekday() < 5

    def unmet(closing: str) -> list[str]:
        reviewing = replace(snap(Stage.REVIEWING, gates=(), is_working=works),
                            evidence={Gate.CLOSE_DECIDED: {**GOOD[Gate.CLOSE_DECIDED], "closing_date": closing}})
        return [u.limit or "" for u in check_gate(Gate.CLOSE_DECIDED, reviewing, today, Policy())[0]]

    assert unmet("2027-01-04") == []
    assert unmet("2027-01-01") == ["2027-01-04"]  # the earliest said is the Monday, not Sunday 3 January
