"""The next meetings the hub and the lead's page show: a series ended by `meeting move` (its RRULE carries
UNTIL in UTC, as RFC 5545 wants with a zoned DTSTART) stops at its last occurrence instead of failing the page,
and cancelled or holiday-skipped occurrences are not shown."""

from __future__ import annotations

from datetime import UTC, datetime

from copflow.db.models import MeetingSeries
from copflow.web.views.hub import next_starts


def series(rrule: str, *, cancelled: list[str] | None = None,
           skipped: list[list[str]] | None = None) -> MeetingSeries:
    return MeetingSeries(kind="checkin", uid="x@copflow", starts_local="2026-01-13T12:30:00", tzid="Europe/London",
                         rrule=rrule, status="scheduled", cancelled_occurrences=cancelled or [],
                         skipped_occurrences=skipped or [])


NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_a_series_ended_by_a_move_stops_at_its_until() -> None:
    ended = series("FREQ=MONTHLY;BYDAY=2TU;UNTIL=20260414T113000Z")
    assert next_starts(ended, NOW, 5) == [datetime(2026, 3, 10, 12, 30), datetime(2026, 4, 14, 12, 30)]
    assert next_starts(ended, datetime(2026, 5, 1, tzinfo=UTC), 3) == []


def test_cancelled_and_holiday_skipped_occurrences_are_not_shown() -> None:
    live = series("FREQ=MONTHLY;BYDAY=2TU", cancelled=["2026-03-10T12:30"],
                  skipped=[["2026-04-14T12:30", "Easter closure"]])
    assert next_starts(live, NOW, 2) == [datetime(2026, 5, 12, 12, 30), datetime(2026, 6, 9, 12, 30)]


def test_a_single_meeting_is_shown_until_it_starts() -> None:
    once = series("")
    assert next_starts(once, datetime(2026, 1, 13, 12, 0, tzinfo=UTC), 3) == [datetime(2026, 1, 13, 12, 30)]
    assert next_starts(once, datetime(2026, 1, 14, tzinfo=UTC), 3) == []
