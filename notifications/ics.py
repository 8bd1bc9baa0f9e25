"""iMIP invitations (RFC 6047 over RFC 5546) built with icalendar: REQUEST, updates and CANCEL.

A meeting is one VEVENT in the CoP's time zone, with an RRULE when it recurs and the zone's VTIMEZONE
written as yearly rules (see vtimezone.py). Updates keep the UID and raise SEQUENCE; a cancellation is
METHOD:CANCEL with the same UID, a raised SEQUENCE and STATUS:CANCELLED, for a whole series or for one
occurrence (RECURRENCE-ID).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from notifications.vtimezone import vtimezone_text

PRODID = "-//copflow//copflow CoP lifecycle//EN"


@dataclass(frozen=True)
class Party:
    email: str
    name: str
    role: str = "REQ-PARTICIPANT"  # CHAIR, REQ-PARTICIPANT, OPT-PARTICIPANT


@dataclass(frozen=True)
class Meeting:
    uid: str
    sequence: int
    summary: str
    description: str
    tzid: str
    start: datetime  # wall-clock time in `tzid` (naive)
    minutes: int
    organizer: Party
    attendees: tuple[Party, ...]
    rrule: dict[str, object] | None = None
    location: str | None = None
    url: str | None = None
    # Occurrences of a series cancelled one by one (wall-clock, in tzid): every later REQUEST of the series
    # (a move, a joiner's invitation) must keep them out, or calendars would bring them back.
    exdates: tuple[datetime, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None:
            raise ValueError("Meeting.start is a wall-clock time in Meeting.tzid, without tzinfo")


def _address(p: Party, organizer: bool = False) -> vCalAddress:
    a = vCalAddress(f"mailto:{p.email}")
    a.params["CN"] = vText(_one_line(p.name))
    if not organizer:
        a.params["ROLE"] = vText(p.role)
        a.params["PARTSTAT"] = vText("NEEDS-ACTION")
        a.params["RSVP"] = vText("TRUE")
        a.params["CUTYPE"] = vText("INDIVIDUAL")
    return a


def _one_line(text: str) -> str:
    return " ".join(text.split())


def calendar_text(m: Meeting, *, method: str, dtstamp: datetime, occurrence: datetime | None = None) -> str:
    """The iCalendar text of one invitation. `occurrence` (wall-clock, in m.tzid) cancels or changes one
    occurrence of a series through RECURRENCE-ID."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported iTIP method {method}")
    zone = ZoneInfo(m.tzid)
    cal = Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", method)
    ev = Event()
    ev.add("UID", m.uid)
    ev.add("DTSTAMP", dtstamp)
    ev.add("SEQUENCE", m.sequence)
    ev.add("SUMMARY", _one_line(m.summary))
    ev.add("DESCRIPTION", m.description)
    start = (occurrence or m.start).replace(tzinfo=zone)
    ev.add("DTSTART", start)
    ev.add("DTEND", start + timedelta(minutes=m.minutes))
    if occurrence is not None:
        ev.add("RECURRENCE-ID", occurrence.replace(tzinfo=zone))
    elif m.rrule:
        ev.add("RRULE", m.rrule)
        for skipped in m.exdates:  # one EXDATE line each: some readers mis-handle value lists
            ev.add("EXDATE", skipped.replace(tzinfo=zone))
    if m.location:
        ev.add("LOCATION", _one_line(m.location))
    if m.url:
        ev.add("URL", m.url)
    ev.add("ORGANIZER", _address(m.organizer, organizer=True))
    for p in m.attendees:
        ev.add("ATTENDEE", _address(p))
    ev.add("STATUS", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    ev.add("TRANSP", "OPAQUE")
    for key, value in m.extra.items():
        ev.add(key, value)
    cal.add_component(ev)
    # The zone's VTIMEZONE is serialised once per zone and year and spliced in before the event.
    text: str = cal.to_ical().decode("utf-8")
    head, sep, tail = text.partition("BEGIN:VEVENT\r\n")
    return head + vtimezone_text(m.tzid, m.start.year - 1) + sep + tail
