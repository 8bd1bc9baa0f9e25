"""Subscribable iCalendar feeds (RFC 5545, METHOD:PUBLISH): a CoP's meetings as calendar clients poll them.

Each meeting is the same VEVENT as its invitation (UID, SEQUENCE, RRULE and EXDATEs, the zone's VTIMEZONE from
vtimezone.py) without ORGANIZER or ATTENDEE: a feed is read by people who were not invited, so it names no
address. A meeting in `cancelled` is written STATUS:CANCELLED (a subscribed calendar removes it). The feed asks
clients to poll every 12 hours (REFRESH-INTERVAL, RFC 7986, and Outlook's X-PUBLISHED-TTL).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from notifications.ics import PRODID, Meeting
from notifications.vtimezone import vtimezone_text

REFRESH = timedelta(hours=12)


def feed_text(name: str, meetings: Sequence[Meeting], *, dtstamp: datetime,
              cancelled: frozenset[str] = frozenset()) -> str:
    cal = Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", "PUBLISH")
    cal.add("X-WR-CALNAME", " ".join(name.split()))
    cal.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", f"PT{REFRESH.seconds // 3600 + REFRESH.days * 24}H")
    zones: dict[str, int] = {}
    for m in meetings:
        zone = ZoneInfo(m.tzid)
        ev = Event()
        ev.add("UID", m.uid)
        ev.add("DTSTAMP", dtstamp)
        ev.add("SEQUENCE", m.sequence)
        ev.add("SUMMARY", " ".join(m.summary.split()))
        ev.add("DESCRIPTION", m.description)
        start = m.start.replace(tzinfo=zone)
        ev.add("DTSTART", start)
        ev.add("DTEND", start + timedelta(minutes=m.minutes))
        if m.rrule:
            ev.add("RRULE", m.rrule)
            for skipped in m.exdates:
                ev.add("EXDATE", skipped.replace(tzinfo=zone))
        if m.location:
            ev.add("LOCATION", " ".join(m.location.split()))
        if m.url:
            ev.add("URL", m.url)
        ev.add("STATUS", "CANCELLED" if m.uid in cancelled else "CONFIRMED")
        ev.add("TRANSP", "OPAQUE")
        cal.add_component(ev)
        zones[m.tzid] = min(zones.get(m.tzid, m.start.year), m.start.year)
    text: str = cal.to_ical().decode("utf-8")
    head, sep, tail = text.partition("BEGIN:VEVENT\r\n")
    if not sep:
        return text
    return head + "".join(vtimezone_text(z, year - 1) for z, year in sorted(zones.items())) + sep + tail
