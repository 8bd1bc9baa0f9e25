"""Meeting series and single meetings: scheduling one (its rule, its first day, its attendees), cancelling it,
and finding the live ones. What a series sends is invitations.py; changing a series, changes.py; the rules a
series repeats by, recurrence.py; the days it may meet on, services/workdays.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Cop, MeetingSeries
from copflow.services import validation as v
from copflow.services.errors import InvalidInput, NotFound
from copflow.services.mail.posts import announce_meeting
from copflow.services.meetings import recurrence as md
from copflow.services.meetings.invitations import attendees_for, organizer_of, send_invitations
from copflow.services.meetings.kinds import KINDS, kind_named
from copflow.services.workdays import WorkingDays, working_day_on_or_after, working_days_of
from lifecycle import Policy
from lifecycle.audiences import MEETING_ATTENDEES
from lifecycle.channels import ANNOUNCED_MEETINGS
from notifications.vocabulary import long_date


def rule_for(kind: str, day: date, policy: Policy) -> str | None:
    """The rule of a series starting on `day`: check-ins on that weekday position every month (a start on the
    31st would skip the months without one), catch-ups on that weekday every few weeks."""
    if kind == "checkin":
        return md.monthly_rule(policy.checkin_every_months, md.position_of(day), day.weekday())
    if kind == "sponsor_catchup":
        return md.weekly_rule(policy.sponsor_catchup_every_weeks, day.weekday())
    return None


def policy_rule(kind: str, cop: Cop, policy: Policy) -> str | None:
    """The rule of a series copflow schedules itself: the policy's day, or the CoP's own weekday."""
    if kind == "checkin":
        nth, weekday = md.checkin_position(cop, policy)
        return md.monthly_rule(policy.checkin_every_months, nth, weekday)
    if kind == "sponsor_catchup":
        return md.weekly_rule(policy.sponsor_catchup_every_weeks, md.catchup_weekday(cop, policy))
    return None


def schedule(s: Session, cop: Cop, kind: str, start_local: datetime, *, now: datetime, policy: Policy,
             minutes: int | None = None, location: str | None = None, rrule: str | None = None,
             cancelled: tuple[str, ...] = (), announce: bool = True) -> MeetingSeries:
    """Create a meeting (or series) and queue its invitation for each attendee (caller commits); a meeting the
    whole community is invited to is announced in its channel (unless `announce` is false: the same meeting sent
    again)."""
    kind = kind_named(kind)
    attendees = attendees_for(cop, MEETING_ATTENDEES[kind])
    if not attendees:
        raise InvalidInput("attendees", f"{cop.slug} has nobody to invite to a {KINDS[kind].title.lower()}")
    organizer = organizer_of(cop)
    rule = rrule if rrule is not None else rule_for(kind, start_local.date(), policy)
    if rule and "UNTIL" not in rule:
        for other in live_series(s, cop, now):
            if other.kind == kind and other.rrule and "UNTIL" not in other.rrule:
                raise InvalidInput("kind", f"{cop.slug} already has a {KINDS[kind].title.lower()} series "
                                           f"({other.uid}): move it or cancel it instead of scheduling another")
    days = working_days_of(cop, policy)
    check_meeting_day(start_local, days)
    md.check_series_clock(start_local, rule, cop.timezone)
    count = len(list(s.scalars(select(MeetingSeries.id).where(MeetingSeries.cop_id == cop.id,
                                                              MeetingSeries.kind == kind))))
    zone = ZoneInfo(cop.timezone)
    place = location if location is not None else (cop.meeting_place or policy.meeting_place or None)
    series = MeetingSeries(
        cop_id=cop.id, kind=kind, uid=f"{cop.slug}.{kind}.{count + 1}@copflow", sequence=0,
        summary=f"{KINDS[kind].title}: {cop.name}", starts_at=start_local.replace(tzinfo=zone).astimezone(UTC),
        duration_minutes=minutes or policy.meeting_minutes, rrule=rule,
        status="scheduled", created_at=now, tzid=cop.timezone, starts_local=start_local.isoformat(timespec="minutes"),
        location=v.place("location", place) if place else None,
        organizer_email=organizer.email, attendees=[[p.email, p.name, p.role] for p in attendees],
        cancelled_occurrences=list(cancelled), visibility=KINDS[kind].visibility, changed_at=now,
        skipped_occurrences=md.skipped(start_local, rule, cop.timezone, days, now))
    s.add(series)
    s.flush()
    send_invitations(s, cop, series, method="REQUEST", now=now)
    if announce and kind in ANNOUNCED_MEETINGS:  # the whole community is invited: its channel hears of it too
        announce_meeting(s, cop, series, title=KINDS[kind].title, purpose=KINDS[kind].purpose, now=now,
                         policy=policy)
    return series


def check_meeting_day(start_local: datetime, days: WorkingDays, option: str = "--at") -> None:
    why = days.why_not(start_local.date())
    if why is not None:
        raise InvalidInput(option, f"{long_date(start_local)} is {why}: no meetings are held then; "
                                   "pick a working day")


def cancel_series(s: Session, cop: Cop, series: MeetingSeries, *, now: datetime, reason: str | None = None) -> int:
    """Cancel a whole series (METHOD:CANCEL, SEQUENCE raised); a cancelled one sends nothing again."""
    if series.status == "cancelled":
        return 0
    series.sequence += 1
    series.status = "cancelled"
    return send_invitations(s, cop, series, method="CANCEL", now=now, reason=reason)


def cancel_all(s: Session, cop: Cop, *, now: datetime, reason: str) -> int:
    """Cancel every scheduled series of a CoP (on closing)."""
    live = list(s.scalars(select(MeetingSeries).where(MeetingSeries.cop_id == cop.id,
                                                      MeetingSeries.status == "scheduled")))
    for series in live:
        cancel_series(s, cop, series, now=now, reason=reason)
    return len(live)


def start_series(s: Session, cop: Cop, kind: str, first_on: date, *, now: datetime,
                 policy: Policy) -> MeetingSeries | None:
    """A stage's recurring series (check-ins, sponsor catch-ups) from the first day on or after `first_on` that
    its rule meets on and that is a meeting day of the CoP; nothing if one of that kind is live already or
    nobody attends it (caller commits)."""
    if any(m.kind == kind for m in live_series(s, cop, now)) or not attendees_for(cop, MEETING_ATTENDEES[kind]):
        return None
    rule = policy_rule(kind, cop, policy)
    assert rule is not None, f"{kind} is not a recurring kind"
    days = working_days_of(cop, policy)
    first = md.first_on_or_after(first_on, rule, datetime.combine(first_on, _meeting_time(cop, policy)),
                                 lambda d: days.why_not(d) is None)
    return schedule(s, cop, kind, first, now=now, policy=policy, rrule=rule)


def schedule_on(s: Session, cop: Cop, kind: str, day: date, *, now: datetime, policy: Policy) -> MeetingSeries:
    """One meeting on `day`, or the first meeting day of the CoP after it, at its meeting time (caller commits)."""
    start = datetime.combine(working_day_on_or_after(day, working_days_of(cop, policy)), _meeting_time(cop, policy))
    return schedule(s, cop, kind, start, now=now, policy=policy)


def _meeting_time(cop: Cop, policy: Policy) -> time:
    return time.fromisoformat(cop.meeting_time or policy.meeting_time)


def occurrence_ends(series: MeetingSeries) -> datetime | None:
    """When the series' last occurrence ends (wall-clock), or None for a series without an end."""
    start = datetime.fromisoformat(series.starts_local)
    if series.rrule and "UNTIL" not in series.rrule:
        return None
    found = md.occurrences(start, series.rrule, series.tzid, datetime(9999, 1, 1))
    return (found[-1] if found else start) + timedelta(minutes=series.duration_minutes)


def is_over(series: MeetingSeries, now: datetime) -> bool:
    """Every occurrence has taken place: nobody joins it or is taken off it any more."""
    end = occurrence_ends(series)
    return end is not None and end < now.astimezone(ZoneInfo(series.tzid)).replace(tzinfo=None)


def live_series(s: Session, cop: Cop, now: datetime) -> list[MeetingSeries]:
    """Scheduled series with an occurrence still to come, oldest first."""
    rows = s.scalars(select(MeetingSeries).where(MeetingSeries.cop_id == cop.id, MeetingSeries.status == "scheduled")
                     .order_by(MeetingSeries.id))
    return [m for m in rows if not is_over(m, now)]


def find_series(s: Session, cop: Cop, ref: str, *, now: datetime, cancelled: bool = False) -> MeetingSeries:
    """A meeting by UID, or by kind ("checkin", "sponsor-catchup", "review"): the one live series of that kind
    (with `cancelled`, the latest cancelled one)."""
    if "@" in ref:
        series = s.scalar(select(MeetingSeries).where(MeetingSeries.cop_id == cop.id, MeetingSeries.uid == ref))
        if series is None:
            raise NotFound(f"meeting of {cop.slug}", ref)
        return series
    kind = kind_named(ref)
    if cancelled:
        found = list(s.scalars(select(MeetingSeries).where(MeetingSeries.cop_id == cop.id, MeetingSeries.kind == kind,
                                                           MeetingSeries.status == "cancelled")
                               .order_by(MeetingSeries.id.desc())))
        if not found:
            raise NotFound(f"cancelled {kind.replace('_', '-')} meeting of {cop.slug}", ref)
        return found[0]
    live = [m for m in live_series(s, cop, now) if m.kind == kind]
    current = [m for m in live if not (m.rrule and "UNTIL" in m.rrule)] or live
    if not current:
        raise NotFound(f"live {kind.replace('_', '-')} meeting of {cop.slug}", ref)
    if len(current) > 1:
        raise InvalidInput("meeting", f"{cop.slug} has {len(current)} live {KINDS[kind].title.lower()}s "
                                      f"({', '.join(m.uid for m in current)}): name one by its UID")
    return current[0]
