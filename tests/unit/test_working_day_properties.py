"""Dates people can keep (issue 29 item 5): over random stages, stage dates, charters, policies and the
organisation's calendar (copflow/services/workdays.py: working weekdays, a region's public holidays, closure days),
every due date, review date, decision deadline and closing date the services are given by the core is a working
day."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from copflow.services.workdays import organisation_working_days
from lifecycle import CharterView, Policy, Stage, due_gates, next_review_on
from lifecycle.weekdays import WEEKDAY_NAMES
from lifecycle.working_days import decision_deadline, earliest_closing_on, next_working_day
from tests.unit.builders import snap

EXAMPLES = int(os.environ.get("COPFLOW_PROPERTY_EXAMPLES", "300"))
DAYS = st.dates(date(2025, 1, 1), date(2029, 12, 31))


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    weekdays = draw(st.sets(st.integers(0, 6), min_size=1, max_size=7))
    closures = draw(st.lists(DAYS, max_size=10))
    return Policy(working_days=tuple(WEEKDAY_NAMES[d].title() for d in sorted(weekdays)),
                  public_holidays=draw(st.sampled_from(["GB-ENG", "GB-SCT", "IE", "US-NY", ""])),
                  closure_dates=tuple(d.isoformat() for d in closures),
                  core_group_weeks=draw(st.integers(1, 12)), sponsor_meeting_weeks=draw(st.integers(1, 12)),
                  charter_weeks=draw(st.integers(1, 16)), launch_weeks=draw(st.integers(1, 16)),
                  review_decision_weeks=draw(st.integers(1, 12)), notice_period_weeks=draw(st.integers(1, 12)),
                  review_cadence_months=draw(st.integers(1, 24)))


@settings(max_examples=EXAMPLES, deadline=None)
@given(p=policies(), stage=st.sampled_from([s for s in Stage if s is not Stage.CLOSED]), entered=DAYS,
       today=DAYS, anchor=st.none() | DAYS, reviews=st.lists(DAYS, max_size=3),
       cadence=st.none() | st.integers(1, 24), typed=DAYS)
def test_every_date_people_are_given_is_a_working_day(p: Policy, stage: Stage, entered: date, today: date,
                                                       anchor: date | None, reviews: list[date],
                                                       cadence: int | None, typed: date) -> None:
    days = organisation_working_days(p)
    charter = CharterView("1.0", entered, tuple(sorted(reviews)), cadence)
    closing = next_working_day(typed, days.is_working)  # what a close decision saves (services/reviews/decide.py)
    cop = replace(snap(stage, (), charter=charter, review_anchor_on=anchor,
                       closing_date=closing if stage is Stage.CLOSING else None),
                  stage_entered_on=entered, is_working=days.is_working)
    found = [d.due_on for d in due_gates(cop, today, p)]
    review = next_review_on(cop, p)
    found += [review] if review else []
    found += [decision_deadline(entered, p, days.is_working), earliest_closing_on(today, p, days.is_working),
              closing]
    # A calendar with no working day in the month after a date keeps the date (lifecycle/working_days.py): only
    # dates with a working day within that month are owed one.
    owed = [d for d in found if any(days.is_working(d + timedelta(n)) for n in range(32))]
    assert [d for d in owed if days.why_not(d) is not None] == []
