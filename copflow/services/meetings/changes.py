"""Changing meetings people already have in their calendars: move (all of it, or from a date on), cancel a
series or one occurrence, restore a cancelled series, and list what each CoP has.

Rules every change keeps: an occurrence cancelled stays cancelled whatever moves (its EXDATE follows the
occurrence); a cancelled series comes back only through `restore`; nothing is sent when nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from copflow.db.models import Cop, MeetingSeries
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.errors import InvalidInput
from copflow.services.meetings import recurrence as md
from copflow.services.meetings.invitations import attendees_for, organizer_of, send_invitations
from copflow.services.meetings.kinds import KINDS
from copflow.services.meetings.series import cancel_series, check_meeting_day, find_series, is_over, schedule
from copflow.services.snapshots import get_cop
from copflow.services.workdays import working_days_of
from lifecycle import Policy
from lifecycle.audiences import MEETING_ATTENDEES


@dataclass(frozen=True)
class Changed:
    """What a change did, for the command to say: the series touched and how many messages were queued."""

    uid: str
    sequence: int
    starts: str
    queued: int
    said: str


def reschedule(uow: UnitOfWork, *, slug: str, meeting: str, start: datetime | time, now: datetime,
               policy: Policy, location: str | None = None, from_day: date | None = None) -> Changed:
    """Move a meeting or series. Without `from_day` the whole series moves (same UID, SEQUENCE raised, one
    REQUEST per attendee); with it, the series ends before that day (UNTIL) and a new one (new UID) takes over
    from it, keeping the occurrences cancelled there cancelled. `start` is a new local start, or only a time."""
    with uow:
        s = uow.session
        cop = get_cop(s, slug, for_write=True)
        series = find_series(s, cop, meeting, now=now)
        if series.status == "cancelled":
            raise InvalidInput("meeting", f"{series.uid} is cancelled: `copflow meeting restore {slug} {meeting}` "
                                          "sends it again first")
        first = datetime.fromisoformat(series.starts_local)
        if from_day is not None and series.rrule and from_day > first.date():
            done = _split(uow, cop, series, from_day, start, now=now, policy=policy, location=location)
        else:
            new_start = start if isinstance(start, datetime) else datetime.combine(first.date(), start)
            place = v.place("location", location) or None if location is not None \
                else series.location
            queued = move_whole(s, cop, series, new_start, now=now, policy=policy, location=place)
            done = Changed(series.uid, series.sequence, series.starts_local, queued,
                           f"moved {series.uid} to {series.starts_local}")
        uow.commit()
        return done


def move_whole(s: Any, cop: Cop, series: MeetingSeries, new_start: datetime, *, now: datetime, policy: Policy,
               location: str | None, tzid: str | None = None, rule: str | None = None) -> int:
    """The same series at a new start (and zone, place or rule): one REQUEST per attendee (caller commits)."""
    old_start, old_rule = datetime.fromisoformat(series.starts_local), series.rrule
    zone = tzid or series.tzid
    new_rule = rule or (_rule_moved(old_rule, new_start) if old_rule else None)
    days = working_days_of(cop, policy)
    check_meeting_day(new_start, days)
    md.check_series_clock(new_start, new_rule, zone)
    if new_rule and old_rule and "UNTIL" in old_rule:  # an ended series keeps its number of occurrences
        count = len(md.occurrences(old_start, old_rule, series.tzid, datetime(9999, 1, 1)))
        new_rule = md.with_until(new_rule, _first(new_start, new_rule, count)[-1], zone)
    series.cancelled_occurrences = carry(old_start, old_rule, series.tzid, series.cancelled_occurrences,
                                         new_start, new_rule)
    series.starts_local = new_start.isoformat(timespec="minutes")
    series.tzid = zone
    series.starts_at = new_start.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    series.rrule = new_rule
    series.location = location
    series.skipped_occurrences = md.skipped(new_start, new_rule, zone, days, now)
    series.sequence += 1
    return send_invitations(s, cop, series, method="REQUEST", now=now, update=True)


def _split(uow: UnitOfWork, cop: Cop, series: MeetingSeries, from_day: date, start: datetime | time, *,
           now: datetime, policy: Policy, location: str | None) -> Changed:
    s = uow.session
    assert series.rrule is not None
    first = datetime.fromisoformat(series.starts_local)
    day_before = datetime.combine(from_day, time.min) - timedelta(seconds=1)
    before = md.occurrences(first, series.rrule, series.tzid, day_before)
    if isinstance(start, datetime):
        if start.date() < from_day:
            raise InvalidInput("--at", f"the new start {start:%Y-%m-%d} is before --from {from_day}")
        new_start = start
    else:
        rest = md.occurrences(first, series.rrule, series.tzid, datetime.combine(from_day, time.max) + md.HORIZON)
        after = [o for o in rest if o.date() >= from_day]
        if not after:
            raise InvalidInput("--from", f"{series.uid} has no occurrence on or after {from_day}")
        new_start = datetime.combine(after[0].date(), start)
    new_rule = _rule_moved(_without_until(series.rrule), new_start)
    moved = [c for c in series.cancelled_occurrences if datetime.fromisoformat(c).date() >= from_day]
    cancelled = carry(first, series.rrule, series.tzid, moved, new_start, new_rule, offset=len(before))
    place = (v.place("location", location) or None) if location is not None \
        else series.location
    # The old series ends with its last occurrence before the day: an update to everyone invited.
    series.rrule = md.with_until(series.rrule, before[-1], series.tzid)
    series.cancelled_occurrences = [c for c in series.cancelled_occurrences if c not in moved]
    series.skipped_occurrences = [x for x in series.skipped_occurrences or []
                                  if datetime.fromisoformat(x[0]).date() < from_day]
    series.sequence += 1
    queued = send_invitations(s, cop, series, method="REQUEST", now=now, update=True)
    fresh = schedule(s, cop, series.kind, new_start, now=now, policy=policy, minutes=series.duration_minutes,
                     location=place, rrule=new_rule, cancelled=tuple(cancelled))
    queued += len(fresh.attendees)
    return Changed(fresh.uid, fresh.sequence, fresh.starts_local, queued,
                   f"{series.uid} ends on {before[-1]:%Y-%m-%d}; from {from_day} on it is {fresh.uid}, "
                   f"starting {fresh.starts_local}")


def _rule_moved(rule: str | None, new_start: datetime) -> str | None:
    """The rule on the new start's day: a monthly series keeps meeting on a weekday position, a weekly one on
    a weekday (a plain monthly rule from before positions is given one)."""
    parts = md.parse_rule(rule)
    if not parts:
        return None
    day = new_start.date()
    if parts["FREQ"] == "MONTHLY":
        parts["BYDAY"] = f"{md.position_of(day)}{md.BYDAY[day.weekday()]}"
    elif parts["FREQ"] == "WEEKLY":
        parts["BYDAY"] = md.BYDAY[day.weekday()]
    return md.rule_text(parts)


def _without_until(rule: str) -> str:
    parts = md.parse_rule(rule)
    parts.pop("UNTIL", None)
    return md.rule_text(parts)


def _first(start: datetime, rule: str | None, n: int) -> list[datetime]:
    if not rule:
        return [start][:n]
    from dateutil.rrule import rrulestr

    return list(islice(rrulestr(f"RRULE:{_without_until(rule)}", dtstart=start), n))


def carry(old_start: datetime, old_rule: str | None, tzid: str, cancelled: list[str], new_start: datetime,
          new_rule: str | None, offset: int = 0) -> list[str]:
    """The cancelled occurrences of a series, re-timed for its new start and rule: the n-th occurrence stays
    cancelled whatever its new date and time (an EXDATE at the old time would bring it back)."""
    if not cancelled or not old_rule or not new_rule:
        return []
    latest = max(datetime.fromisoformat(c) for c in cancelled)
    index = {o: i for i, o in enumerate(md.occurrences(old_start, _without_until(old_rule), tzid, latest))}
    wanted = sorted({index[w] - offset for w in map(datetime.fromisoformat, cancelled)
                     if w in index and index[w] >= offset})
    if not wanted:
        return []
    new = _first(new_start, new_rule, wanted[-1] + 1)
    return [new[i].isoformat(timespec="minutes") for i in wanted if i < len(new)]


def cancel(uow: UnitOfWork, *, slug: str, meeting: str, now: datetime, occurrence: datetime | date | None = None,
           reason: str | None = None) -> Changed:
    """Cancel a whole series, or one occurrence of it (RECURRENCE-ID): METHOD:CANCEL, SEQUENCE raised. An
    occurrence is named by its local start, or by its date alone; cancelling anything twice sends nothing."""
    with uow:
        s = uow.session
        cop = get_cop(s, slug, for_write=True)
        series = find_series(s, cop, meeting, now=now)
        if series.status == "cancelled":
            return Changed(series.uid, series.sequence, series.starts_local, 0, f"{series.uid} was already cancelled")
        if occurrence is None:
            queued = cancel_series(s, cop, series, now=now, reason=reason)
            said = f"cancelled {series.uid}"
        else:
            when = occurrence_of(series, occurrence)
            key = when.isoformat(timespec="minutes")
            if key in series.cancelled_occurrences:
                return Changed(series.uid, series.sequence, series.starts_local, 0,
                               f"{series.uid} on {key} was already cancelled")
            series.sequence += 1
            series.cancelled_occurrences = [*series.cancelled_occurrences, key]
            queued = send_invitations(s, cop, series, method="CANCEL", now=now, occurrence=when, reason=reason)
            said = f"cancelled {series.uid} on {key}"
        uow.commit()
        return Changed(series.uid, series.sequence, series.starts_local, queued, said)


def occurrence_of(series: MeetingSeries, occurrence: datetime | date) -> datetime:
    """The series' occurrence on that date (or at that local start); refused when it does not meet then."""
    if not series.rrule:
        raise InvalidInput("--occurrence", f"{series.uid} is a single meeting, not a series: cancel it without "
                                           "--occurrence")
    day = occurrence.date() if isinstance(occurrence, datetime) else occurrence
    first = datetime.fromisoformat(series.starts_local)
    found = [o for o in md.occurrences(first, series.rrule, series.tzid, datetime.combine(day, time.max))
             if o.date() == day and (not isinstance(occurrence, datetime) or o == occurrence)]
    skipped = {w: why for w, why in series.skipped_occurrences or []}
    if not found or found[0].isoformat(timespec="minutes") in skipped:
        what = f"{occurrence:%Y-%m-%d %H:%M}" if isinstance(occurrence, datetime) else f"{day}"
        why = skipped.get(found[0].isoformat(timespec="minutes")) if found else None
        raise InvalidInput("--occurrence", f"{series.uid} does not meet on {what}" + (
            f" (no meeting is held then: {why})" if why else f" (it meets {md.rule_in_words(series.rrule)} at "
                                                             f"{first:%H:%M})"))
    return found[0]


def restore(uow: UnitOfWork, *, slug: str, meeting: str, now: datetime, policy: Policy) -> Changed:
    """Send a cancelled series again to the people who attend it now: a REQUEST with the same UID and a raised
    SEQUENCE, which puts it back in their calendars."""
    with uow:
        s = uow.session
        cop = get_cop(s, slug, for_write=True)
        series = find_series(s, cop, meeting, now=now, cancelled=True)
        if series.status != "cancelled":
            raise InvalidInput("meeting", f"{series.uid} is not cancelled")
        if is_over(series, now):
            raise InvalidInput("meeting", f"{series.uid} has no occurrence left to restore")
        if series.organizer_email != organizer_of(cop).email:
            raise InvalidInput("meeting", f"{series.uid} was organised by {series.organizer_email}, not the "
                                          "programme's mailbox: schedule it afresh instead")
        if series.rrule and "UNTIL" not in series.rrule and any(
                m.kind == series.kind and m.status == "scheduled" and m.rrule and "UNTIL" not in m.rrule and
                not is_over(m, now) for m in s.scalars(select(MeetingSeries).where(MeetingSeries.cop_id == cop.id))):
            raise InvalidInput("meeting", f"{cop.slug} already has a live {KINDS[series.kind].title.lower()} series")
        series.attendees = [[p.email, p.name, p.role] for p in attendees_for(cop, MEETING_ATTENDEES[series.kind])]
        series.status = "scheduled"
        series.sequence += 1
        queued = send_invitations(s, cop, series, method="REQUEST", now=now, update=True)
        uow.commit()
        return Changed(series.uid, series.sequence, series.starts_local, queued,
                       f"restored {series.uid}: an invitation (sequence {series.sequence}) to {queued} people")


@dataclass(frozen=True)
class SeriesEntry:
    """One meeting or series as `copflow meeting list` shows it: `starts` is its first local start in `tz`,
    `repeats` its rule in words, `next` the next occurrence held (not cancelled, not on a holiday), `status`
    scheduled, over or cancelled, `attendees` how many are invited."""

    uid: str
    kind: str
    summary: str
    starts: str
    tz: str
    repeats: str | None
    next: str | None
    place: str | None
    sequence: int
    status: str
    cancelled_occurrences: list[str]
    skipped_occurrences: list[str]
    attendees: int


def list_series(uow: UnitOfWork, slug: str, *, now: datetime) -> list[SeriesEntry]:
    """Each meeting of a CoP as people see it."""
    with uow:
        cop = get_cop(uow.session, slug)
        rows = uow.session.scalars(select(MeetingSeries).where(MeetingSeries.cop_id == cop.id)
                                   .order_by(MeetingSeries.id))
        return [SeriesEntry(m.uid, m.kind.replace("_", "-"), m.summary, m.starts_local, m.tzid,
                            md.rule_in_words(m.rrule), next_occurrence(m, now), m.location, m.sequence,
                            "over" if m.status == "scheduled" and is_over(m, now) else m.status,
                            list(m.cancelled_occurrences),
                            [f"{w} ({why})" for w, why in m.skipped_occurrences or []], len(m.attendees))
                for m in rows]


def next_occurrence(series: MeetingSeries, now: datetime) -> str | None:
    if series.status != "scheduled":
        return None
    local = now.astimezone(ZoneInfo(series.tzid)).replace(tzinfo=None)
    return next((when.isoformat(timespec="minutes") for when in md.held_occurrences(series, local + md.HORIZON)
                 if when >= local), None)
