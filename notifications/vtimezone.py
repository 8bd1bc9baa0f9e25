"""VTIMEZONE components written as RRULE-based STANDARD/DAYLIGHT rules, built once per zone and year.

Why not icalendar's own: it writes each transition as RDATE lists, which Outlook ignores and Mozilla's
ical.js mis-expands (by an hour) when several dates share one RDATE line. Here each zone's yearly rule is
derived from the tz database and checked against it for the years a series can span; a zone whose rule is
not a plain "n-th weekday of a month" (rare) gets one dated component per transition instead.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
CHECK_YEARS = 30  # a rule must reproduce the tz database's transitions this many years ahead


@dataclass(frozen=True)
class Change:
    at_utc: datetime
    offset_from: timedelta
    offset_to: timedelta
    is_dst: bool
    name: str

    @property
    def local(self) -> datetime:
        """The wall-clock moment of the change, in the offset in force before it (as VTIMEZONE wants)."""
        return (self.at_utc + self.offset_from).replace(tzinfo=None)


def changes(tzid: str, year: int) -> list[Change]:
    """The tz database's offset changes in `year`: day steps, then bisection to the second."""
    zone = ZoneInfo(tzid)
    out: list[Change] = []
    t = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    prev = t.astimezone(zone).utcoffset()
    while t < end:
        nxt = t + timedelta(days=1)
        off = nxt.astimezone(zone).utcoffset()
        if off != prev:
            # Bisect whole seconds: `hi` ends as the first second of the new offset, exactly.
            lo, hi = int(t.timestamp()), int(nxt.timestamp())
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if datetime.fromtimestamp(mid, UTC).astimezone(zone).utcoffset() == prev:
                    lo = mid
                else:
                    hi = mid
            at = datetime.fromtimestamp(hi, UTC)
            after = at.astimezone(zone)
            assert prev is not None and off is not None
            # Summer time is the larger offset: tzdata's "negative DST" (Europe/Dublin: IST is standard, GMT
            # the winter "saving") would otherwise put summer under STANDARD, unlike Outlook and Google.
            out.append(Change(at, prev, off, off > prev, after.tzname() or tzid))
            prev = off
        t = nxt
    return out


def _byday(local: datetime) -> str:
    last = local.day + 7 > calendar.monthrange(local.year, local.month)[1]
    nth = -1 if last else (local.day - 1) // 7 + 1
    return f"{nth}{WEEKDAYS[local.weekday()]}"


def _rule_date(year: int, month: int, byday: str) -> int:
    """Day of month of e.g. '-1SU' or '2SU' in that year and month."""
    nth, wd = int(byday[:-2]), WEEKDAYS.index(byday[-2:])
    days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1) if calendar.weekday(year, month, d) == wd]
    return days[nth if nth < 0 else nth - 1]


def _rule_holds(tzid: str, first: Change, year: int) -> bool:
    byday, month, clock = _byday(first.local), first.local.month, first.local.time()
    for y in range(year, year + CHECK_YEARS):
        same = [c for c in changes(tzid, y) if c.is_dst == first.is_dst]
        if len(same) != 1:
            return False
        c = same[0]
        if (c.local.month, c.local.day, c.local.time(), c.offset_from, c.offset_to) != (
                month, _rule_date(y, month, byday), clock, first.offset_from, first.offset_to):
            return False
    return True


@lru_cache(maxsize=64)
def vtimezone(tzid: str, year: int) -> Timezone:
    """The VTIMEZONE for events from `year` on; cached, so a batch of invitations builds it once."""
    tz = Timezone()
    tz.add("TZID", tzid)
    found = changes(tzid, year)
    if not found:  # no daylight saving: one STANDARD with the same offset on both sides
        zone = ZoneInfo(tzid)
        probe = datetime(year, 1, 1, tzinfo=UTC).astimezone(zone)
        offset = probe.utcoffset()
        tz.add_component(_part(TimezoneStandard, datetime(1970, 1, 1), offset, offset, probe.tzname() or tzid))
        return tz
    if all(_rule_holds(tzid, c, year) for c in found):
        for c in found:
            cls = TimezoneDaylight if c.is_dst else TimezoneStandard
            part = _part(cls, c.local, c.offset_from, c.offset_to, c.name)
            part.add("RRULE", {"FREQ": "YEARLY", "BYMONTH": c.local.month, "BYDAY": _byday(c.local)})
            tz.add_component(part)
        return tz
    # Irregular rules (e.g. tied to a lunar calendar): one dated component per change, no RDATE lists.
    for y in range(year, year + CHECK_YEARS):
        for c in changes(tzid, y):
            cls = TimezoneDaylight if c.is_dst else TimezoneStandard
            tz.add_component(_part(cls, c.local, c.offset_from, c.offset_to, c.name))
    return tz


def _part(cls: type, start: datetime, offset_from: timedelta | None, offset_to: timedelta | None,
          name: str) -> TimezoneStandard | TimezoneDaylight:
    part: TimezoneStandard | TimezoneDaylight = cls()
    part.add("DTSTART", start)
    part.add("TZOFFSETFROM", offset_from)
    part.add("TZOFFSETTO", offset_to)
    part.add("TZNAME", name)
    return part


@lru_cache(maxsize=64)
def vtimezone_text(tzid: str, year: int) -> str:
    """The serialised VTIMEZONE, cached: every invitation of a batch in one zone reuses the same text."""
    return str(vtimezone(tzid, year).to_ical().decode("utf-8"))
