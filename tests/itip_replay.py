"""A small calendar client for the tests: it applies every REQUEST and CANCEL one attendee received, in order,
as RFC 5546 says (by UID, SEQUENCE and RECURRENCE-ID), and says which occurrences are in their calendar.

It reads only the iCalendar texts (with the icalendar parser and dateutil's RRULE expansion), never copflow's
records, so a test can hold it against what copflow says the attendee should attend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar


@dataclass
class Entry:
    sequence: int
    tzid: str
    start: datetime  # wall-clock
    rule: str | None
    exdates: set[datetime]  # wall-clock
    cancelled: set[datetime] = field(default_factory=set)  # RECURRENCE-IDs (UTC) cancelled one by one


class ReplayedCalendar:
    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}

    def apply(self, text: str) -> None:
        cal = Calendar.from_ical(text)
        method = str(cal["METHOD"])
        for ev in cal.walk("VEVENT"):
            uid, seq = str(ev["UID"]), int(ev.get("SEQUENCE", 0))
            held = self.entries.get(uid)
            if held is not None and seq < held.sequence:
                continue  # an older message arriving late changes nothing (RFC 5546 §2.1.5)
            rid = ev.get("RECURRENCE-ID")
            if method == "REQUEST" and rid is None:
                self.entries[uid] = _entry(ev, seq)  # the whole event, replaced
            elif method == "CANCEL" and rid is None:
                self.entries.pop(uid, None)
            elif method == "CANCEL" and held is not None:
                held.cancelled.add(rid.dt.astimezone(UTC))
                held.sequence = seq
            elif method not in ("REQUEST", "CANCEL"):
                raise AssertionError(f"unexpected METHOD {method}")

    def occurrences(self, start: datetime, end: datetime) -> set[tuple[str, datetime]]:
        """(UID, UTC start) of every occurrence in [start, end)."""
        out: set[tuple[str, datetime]] = set()
        for uid, e in self.entries.items():
            zone = ZoneInfo(e.tzid)
            for local in expand(e.start, e.rule, e.tzid, end.astimezone(zone).replace(tzinfo=None)):
                if local in e.exdates:
                    continue
                utc = local.replace(tzinfo=zone).astimezone(UTC)
                if start <= utc < end and utc not in e.cancelled:
                    out.add((uid, utc))
        return out


def expand(start: datetime, rule: str | None, tzid: str, until: datetime) -> list[datetime]:
    """Wall-clock occurrences up to `until`; an RRULE's UNTIL (UTC) compared as RFC 5545 says, in UTC."""
    if not rule:
        return [start] if start <= until else []
    parts = dict(p.split("=", 1) for p in rule.split(";"))
    stop = parts.pop("UNTIL", None)
    text = ";".join(f"{k}={v}" for k, v in parts.items())
    found = list(rrulestr(f"RRULE:{text}", dtstart=start).between(start, until, inc=True))
    if stop is not None:
        limit = datetime.strptime(stop, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        zone = ZoneInfo(tzid)
        found = [f for f in found if f.replace(tzinfo=zone).astimezone(UTC) <= limit]
    return found


def _entry(ev, seq: int) -> Entry:  # type: ignore[no-untyped-def]
    start = ev["DTSTART"].dt
    tzid = str(ev["DTSTART"].params.get("TZID", "UTC"))
    rule = ev.get("RRULE")
    exdates: set[datetime] = set()
    raw = ev.get("EXDATE")
    for group in (raw if isinstance(raw, list) else [raw] if raw is not None else []):
        exdates.update(d.dt.replace(tzinfo=None) for d in group.dts)
    return Entry(seq, tzid, start.replace(tzinfo=None), rule.to_ical().decode() if rule is not None else None,
                 exdates)
