"""A series sent again under another organiser. Calendar clients cannot change a meeting's ORGANIZER (RFC 5546
has no such update): the series is cancelled for everyone (METHOD:CANCEL, its mail saying why) and sent again,
the same times and place, as a new series with a new UID. Done once per series: the old one is cancelled, the
new one carries the organiser wanted.

Two reasons: a series organised by a lead from before invitations came from the programme's mailbox
(organizer.py; the sweep's agenda step and any roster change hand each such series over), and a series whose
organising lead has left (people/roster.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from copflow.db.models import Cop, MeetingSeries
from copflow.services.meetings.organizer import organizer_address
from copflow.services.meetings.series import cancel_series, live_series, schedule
from lifecycle import Policy

NOW_FROM_THE_PROGRAMME = ("invitations now come from the programme's mailbox, {address}, so that your calendar's "
                          "answers reach it; the same meetings follow as a new series")


def hand_over(s: Session, cop: Cop, series: MeetingSeries, *, now: datetime, policy: Policy,
              reason: str) -> MeetingSeries:
    """Cancel `series` for everyone, saying `reason`, and schedule it again from the programme's mailbox."""
    start = datetime.fromisoformat(series.starts_local)
    cancel_series(s, cop, series, now=now, reason=reason)
    return schedule(s, cop, series.kind, start, now=now, policy=policy, minutes=series.duration_minutes,
                    location=series.location, rrule=series.rrule, cancelled=tuple(series.cancelled_occurrences),
                    announce=False)


def needs_new_organiser(cop: Cop, series: MeetingSeries) -> bool:
    """The series was sent under another organiser than the programme's mailbox address for this CoP."""
    return series.organizer_email.lower() != organizer_address(cop.slug)


def reorganise(s: Session, cop: Cop, *, now: datetime, policy: Policy) -> list[str]:
    """Hand every live series of `cop` not organised by the programme's mailbox over to it (caller commits);
    what changed, one line each."""
    changed = []
    for series in live_series(s, cop, now):
        if needs_new_organiser(cop, series):
            address = organizer_address(cop.slug)
            fresh = hand_over(s, cop, series, now=now, policy=policy,
                              reason=NOW_FROM_THE_PROGRAMME.format(address=address))
            changed.append(f"{series.uid} cancelled and sent again as {fresh.uid} from {address}")
    return changed
