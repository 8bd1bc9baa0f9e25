"""Replies to invitations (iMIP, RFC 6047 over RFC 5546): an attendee's REPLY records their answer for a series or
for one occurrence (RECURRENCE-ID); a COUNTER records the time they propose and tells the leads, never moving the
meeting itself.

The mailbox reader hands every calendar it finds to `apply_calendar_reply` with the mail's sender; anything that
does not hold together (not ours, not theirs, not a reply, not a calendar) is refused with a `ReplyRefused` whose
`reason` says why, and nothing is written: the reader quarantines the message with that reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from copflow.db.models import Cop, MeetingAnswer, MeetingSeries, Person
from copflow.services.errors import CopflowError
from copflow.services.meetings import recurrence as md
from copflow.services.meetings.organizer import programme_addresses
from copflow.services.meetings.rsvp_notices import Heard, tell_leads
from lifecycle import Stage

if TYPE_CHECKING:
    from icalendar import Calendar, Event

MAX_CALENDAR_BYTES = 256 * 1024  # a reply is a few kilobytes; anything this size is not one
ANSWERS = ("ACCEPTED", "DECLINED", "TENTATIVE")
METHODS = ("REPLY", "COUNTER")


class ReplyRefused(CopflowError):
    """A calendar reply that cannot be applied. `reason` is one of: too-large, malformed, method, unknown-uid,
    forged-organizer, not-attendee, occurrence, closed (the CoP is closed: its record is read-only)."""

    def __init__(self, reason: str, problem: str, *, value: object = None, cop: str | None = None) -> None:
        self.reason = reason
        super().__init__(f"calendar reply refused ({reason}): {problem}", field="calendar", value=value, cop=cop)


@dataclass(frozen=True)
class ReplyApplied:
    """What a reply recorded: the series (its UID and CoP), the occurrence (its wall-clock start in the series'
    zone, None for the whole series), who answered, their answer, and for a COUNTER the time they propose."""

    cop: str
    series_uid: str
    occurrence: str | None
    attendee: str
    method: str  # REPLY or COUNTER
    answer: str  # ACCEPTED, DECLINED, TENTATIVE; a COUNTER without PARTSTAT: NEEDS-ACTION
    proposed_start: str | None = None
    proposed_end: str | None = None
    leads_told: int = 0  # mails queued to the leads (a counter-proposal, the sponsor's decline, too few coming)


def apply_calendar_reply(session: Session, *, calendar: bytes, sender: str, now: datetime) -> ReplyApplied:
    """Record the answer `calendar` (an iMIP REPLY or COUNTER, as the sender's calendar wrote it) carries. The
    caller commits; a refusal writes nothing."""
    cal, event = _parse(calendar)
    method = str(cal.get("METHOD", "")).strip().upper()
    if method not in METHODS:
        raise ReplyRefused("method", f"METHOD {method or '(none)'} is not REPLY or COUNTER", value=method)
    uid = str(event.get("UID", "")).strip()
    series = session.scalar(select(MeetingSeries).where(MeetingSeries.uid == uid)) if uid else None
    if series is None:
        raise ReplyRefused("unknown-uid", f"no meeting has the UID {uid[:200]!r}", value=uid[:200])
    cop = session.get(Cop, series.cop_id)
    assert cop is not None
    if cop.stage == Stage.CLOSED.value:  # a closed CoP's record is read-only
        raise ReplyRefused("closed", f"{cop.slug} is closed: its meetings take no more answers", value=uid[:200],
                           cop=cop.slug)
    organizer = _address(event.get("ORGANIZER"))
    if organizer not in programme_addresses(cop.slug):
        raise ReplyRefused("forged-organizer", f"the ORGANIZER {organizer[:320]!r} is not the programme's address",
                           value=organizer[:320], cop=cop.slug)
    who = parseaddr(sender[:1000])[1].strip().lower()  # "Name <address>" or the bare address
    invited = {str(a[0]).lower() for a in series.attendees}
    attendee = _attendee_of(event, who)
    if who not in invited or attendee is None:
        raise ReplyRefused("not-attendee", f"{who[:320]} is not an attendee of {uid} answering for themselves",
                           value=who[:320], cop=cop.slug)
    person = session.scalar(select(Person).where(Person.email == who))
    if person is None:
        raise ReplyRefused("not-attendee", f"{who[:320]} is not known here", value=who[:320], cop=cop.slug)
    occurrence = _occurrence(event, series)
    answer = str(attendee.params.get("PARTSTAT", "NEEDS-ACTION")).upper()
    if method == "REPLY" and answer not in ANSWERS:
        raise ReplyRefused("malformed", f"PARTSTAT {answer[:40]!r} is not an answer", value=answer[:40], cop=cop.slug)
    proposed: tuple[str | None, str | None] = _proposed(event, series) if method == "COUNTER" else (None, None)
    row = _answer_row(session, series, occurrence, person)
    if method == "COUNTER" and row.id is not None and answer not in ANSWERS:
        answer = row.answer  # a counter-proposal that says nothing of coming keeps the answer given before
    _fill(row, answer, event, now, proposed if method == "COUNTER" else None)
    if row.id is None:
        try:
            with session.begin_nested():  # another reply of theirs, read at the same moment, may insert it first
                session.add(row)
                session.flush()
        except IntegrityError:
            row = _answer_row(session, series, occurrence, person)
            _fill(row, answer, event, now, proposed if method == "COUNTER" else None)
    session.flush()
    applied = ReplyApplied(cop.slug, series.uid, occurrence, who, method, row.answer, proposed[0], proposed[1])
    told = tell_leads(session, cop, series, Heard(who, person.name, method, row.answer, occurrence, proposed[0],
                                                  proposed[1], row.comment), now=now)
    return replace(applied, leads_told=told)


def _parse(calendar: bytes) -> tuple[Calendar, Event]:
    if len(calendar) > MAX_CALENDAR_BYTES:
        raise ReplyRefused("too-large", f"the calendar is over {MAX_CALENDAR_BYTES} bytes", value=len(calendar))
    from icalendar import Calendar, Event

    try:
        text = calendar.decode("utf-8")
        cal = Calendar.from_ical(text)
    # AttributeError: icalendar's parser on a VTIMEZONE whose TZID line comes twice (it gets a list, not a name).
    except (ValueError, UnicodeDecodeError, IndexError, KeyError, TypeError, AttributeError) as exc:
        raise ReplyRefused("malformed", f"not an iCalendar text ({str(exc)[:120]})") from None
    if not isinstance(cal, Calendar) or cal.name != "VCALENDAR":
        raise ReplyRefused("malformed", "not a VCALENDAR")
    events = [c for c in cal.subcomponents if isinstance(c, Event)]
    if len(events) != 1:
        raise ReplyRefused("malformed", f"a reply carries one VEVENT, not {len(events)}", value=len(events))
    return cal, events[0]


def _address(prop: Any) -> str:
    text = str(prop or "").strip()
    return (text[7:] if text.lower().startswith("mailto:") else text).strip().lower()


def _attendee_of(event: Event, who: str) -> Any:
    """The ATTENDEE line of the sender (a REPLY names only its author; some clients repeat the others)."""
    found = event.get("ATTENDEE")
    for prop in found if isinstance(found, list) else [found] if found is not None else []:
        if _address(prop) == who:
            return prop
    return None


def _local(value: Any, series: MeetingSeries, what: str) -> datetime:
    """A DATE-TIME of the reply as a wall-clock time in the series' zone (a floating one is taken as such)."""
    try:
        when = value.dt if value is not None else None
    except (AttributeError, ValueError):
        when = None
    if not isinstance(when, datetime):
        kind = "a date" if isinstance(when, date) else "missing or unreadable"
        raise ReplyRefused("malformed", f"{what} is {kind}, not a date and time", value=str(when)[:40])
    zone = ZoneInfo(series.tzid)
    return when.astimezone(zone).replace(tzinfo=None) if when.tzinfo else when


def _occurrence(event: Event, series: MeetingSeries) -> str | None:
    """The occurrence a reply answers for (its RECURRENCE-ID), which must be one the series holds."""
    if "RECURRENCE-ID" not in event:
        return None
    when = _local(event.get("RECURRENCE-ID"), series, "RECURRENCE-ID")
    held = set(md.held_occurrences(series, when))
    if when not in held:
        raise ReplyRefused("occurrence", f"{series.uid} holds no meeting at {when:%Y-%m-%d %H:%M}",
                           value=when.isoformat(timespec="minutes"))
    return when.isoformat(timespec="minutes")


def _proposed(event: Event, series: MeetingSeries) -> tuple[str, str]:
    start = _local(event.get("DTSTART"), series, "the proposed DTSTART")
    end = _local(event.get("DTEND"), series, "the proposed DTEND") if "DTEND" in event else None
    if end is not None and end <= start:
        raise ReplyRefused("malformed", "the proposed DTEND is not after its DTSTART", value=end.isoformat())
    if end is None:
        end = start + timedelta(minutes=series.duration_minutes)
    return start.isoformat(timespec="minutes"), end.isoformat(timespec="minutes")


def _answer_row(session: Session, series: MeetingSeries, occurrence: str | None, person: Person) -> MeetingAnswer:
    """Their answer so far, or a new one (not yet added: the caller inserts it under a savepoint)."""
    where = MeetingAnswer.occurrence.is_(None) if occurrence is None else MeetingAnswer.occurrence == occurrence
    row = session.scalar(select(MeetingAnswer).where(MeetingAnswer.series_id == series.id,
                                                     MeetingAnswer.person_id == person.id, where))
    return row or MeetingAnswer(series_id=series.id, occurrence=occurrence, person_id=person.id)


def _fill(row: MeetingAnswer, answer: str, event: Event, now: datetime,
          proposed: tuple[str | None, str | None] | None) -> None:
    row.answer = answer if answer in ANSWERS else "NEEDS-ACTION"
    row.sequence = _int(event.get("SEQUENCE"))
    row.answered_at = now
    row.comment = _comment(event)
    if proposed is not None:
        row.proposed_start, row.proposed_end = proposed


def _int(value: Any) -> int:
    try:
        return max(0, min(int(str(value or 0)), 1_000_000))
    except ValueError:
        return 0


def _comment(event: Event) -> str | None:
    text = " ".join(str(event.get("COMMENT", "")).split())[:500]
    return text or None
