"""A review meeting is a meeting of its own: copflow never puts it on a day the CoP already meets for a check-in or
a sponsor catch-up. Scheduling a review takes the next free meeting day; starting a series (at the launch, after
the charter's review meetings were sent) moves a review meeting it would share a day with, as an update.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from copflow.db.models import Cop, MeetingSeries
from copflow.services.meetings import recurrence as md
from copflow.services.meetings.changes import move_whole
from copflow.services.meetings.kinds import RECURRING
from copflow.services.meetings.series import live_series
from copflow.services.workdays import working_day_on_or_after, working_days_of
from lifecycle import Policy

# The meetings copflow places itself, and the kinds whose days they keep clear of.
KEEPS_CLEAR_OF: dict[str, tuple[str, ...]] = {"review": RECURRING}
LOOK_AHEAD = timedelta(days=120)  # far enough to find a free day past any holiday season


def meeting_dates(series: list[MeetingSeries], until: date) -> set[date]:
    """The days these series meet on up to `until`: their occurrences less those cancelled or left out."""
    end = datetime.combine(until, datetime.max.time())
    return {when.date() for m in series for when in md.held_occurrences(m, end)}


def free_day(s: Session, cop: Cop, kind: str, day: date, *, now: datetime, policy: Policy) -> date:
    """`day`, or the first meeting day after it on which the CoP has no meeting that `kind` keeps clear of."""
    days = working_days_of(cop, policy)
    clear_of = KEEPS_CLEAR_OF.get(kind, ())
    taken = meeting_dates([m for m in live_series(s, cop, now) if m.kind in clear_of], day + LOOK_AHEAD)
    for n in range(LOOK_AHEAD.days):
        candidate = day + timedelta(days=n)
        if candidate not in taken and days.is_working(candidate):
            return candidate
    return working_day_on_or_after(day, days)


def keep_clear(s: Session, cop: Cop, *, now: datetime, policy: Policy) -> int:
    """Move each one-off meeting that shares a day with a series it keeps clear of to its next free day (an
    update to its attendees, same UID); the messages queued."""
    queued = 0
    for m in live_series(s, cop, now):
        clear_of = KEEPS_CLEAR_OF.get(m.kind)
        if not clear_of or m.rrule:
            continue
        start = datetime.fromisoformat(m.starts_local)
        others = [o for o in live_series(s, cop, now) if o.kind in clear_of]
        if start.date() in meeting_dates(others, start.date()):
            day = free_day(s, cop, m.kind, start.date(), now=now, policy=policy)
            queued += move_whole(s, cop, m, datetime.combine(day, start.time()), now=now, policy=policy,
                                 location=m.location)
    return queued
