"""`next_held_at`: when a series' next held occurrence starts (what the sweep's agendas select by), or None once
nothing more is held. Check-ins on the second Tuesday at 12:30 in London."""

from __future__ import annotations

from datetime import UTC, datetime

from copflow.db.models import MeetingSeries
from copflow.services.meetings.recurrence import next_held_at


def series(rrule: str, *, status: str = "scheduled", cancelled: list[str] | None = None,
           skipped: list[list[str]] | None = None) -> MeetingSeries:
    return MeetingSeries(kind="checkin", uid="x@copflow", starts_local="2026-01-13T12:30", tzid="Europe/London",
                         rrule=rrule, status=status, cancelled_occurrences=cancelled or [],
                         skipped_occurrences=skipped or [])


def test_the_next_occurrence_after_now_in_utc_one_that_has_begun_is_past():
    live = series("FREQ=MONTHLY;BYDAY=2TU")
    assert next_held_at(live, datetime(2026, 3, 1, tzinfo=UTC)) == datetime(2026, 3, 10, 12, 30, tzinfo=UTC)
    assert next_held_at(live, datetime(2026, 4, 14, 11, 31, tzinfo=UTC)) == datetime(2026, 5, 12, 11, 30, tzinfo=UTC)


def test_cancelled_and_holiday_skipped_occurrences_are_passed_over():
    live = series("FREQ=MONTHLY;BYDAY=2TU", cancelled=["2026-03-10T12:30"],
                  skipped=[["2026-04-14T12:30", "Easter closure"]])
    assert next_held_at(live, datetime(2026, 3, 1, tzinfo=UTC)) == datetime(2026, 5, 12, 11, 30, tzinfo=UTC)


def test_none_once_nothing_more_is_held():
    assert next_held_at(series("FREQ=MONTHLY;BYDAY=2TU", status="cancelled"), datetime(2026, 3, 1, tzinfo=UTC)) is None
    ended = series("FREQ=MONTHLY;BYDAY=2TU;UNTIL=20260414T113000Z")
    assert next_held_at(ended, datetime(2026, 4, 15, tzinfo=UTC)) is None
    assert next_held_at(series(""), datetime(2026, 1, 14, tzinfo=UTC)) is None  # a single meeting, over


def test_a_rule_with_nothing_held_in_the_year_ahead_is_looked_at_again_in_a_year():
    # Every occurrence of the coming year cancelled: not over, so a lower bound a year ahead.
    cancelled = [f"2026-{m:02d}-{d:02d}T12:30" for m, d in ((3, 10), (4, 14), (5, 12), (6, 9), (7, 14), (8, 11),
                                                       (9, 8), (10, 13), (11, 10), (12, 8))] + ["2027-01-12T12:30",
                                                                                           "2027-02-09T12:30"]
    now = datetime(2026, 3, 1, tzinfo=UTC)
    at = next_held_at(series("FREQ=MONTHLY;BYDAY=2TU", cancelled=cancelled), now)
    assert at is not None and (at - now).days == 366
