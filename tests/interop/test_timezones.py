"""Every occurrence of a recurring series, read back by ical.js with our VTIMEZONE, equals the tz database.

Zones cover both hemispheres, a zone without daylight saving, and one whose rule is not "n-th weekday"
(America/Santiago: "first Sunday on or after the 2nd"), which gets dated components instead of RRULEs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from notifications.ics import Meeting, Party, calendar_text
from notifications.vtimezone import vtimezone
from tests.interop.icaljs import read_with_icaljs

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Pacific/Auckland", "America/Santiago",
         "Asia/Kolkata", "Europe/Berlin", "America/Sao_Paulo"]
SERIES = {
    "monthly check-in": ({"FREQ": "MONTHLY", "INTERVAL": 1}, datetime(2026, 1, 13, 12, 30)),
    "sponsor catch-up every 6 weeks": ({"FREQ": "WEEKLY", "INTERVAL": 6}, datetime(2026, 2, 2, 9, 0)),
    "early-morning monthly (near the change hour)": ({"FREQ": "MONTHLY", "BYDAY": "-1SU"}, datetime(2026, 1, 25, 4, 0)),
}
COUNT = 36


def meeting(tzid: str, rrule: dict[str, object], start: datetime) -> Meeting:
    return Meeting(uid=f"t-{tzid}@copflow", sequence=0, summary="Check-in", description="x", tzid=tzid, start=start,
                   minutes=45, organizer=Party("ann@x.org", "Ann"), attendees=(Party("bob@x.org", "Bob"),),
                   rrule=rrule)


def expected_utc(tzid: str, rrule: dict[str, object], start: datetime) -> list[str]:
    """Wall-clock occurrences from dateutil, placed in the zone by the tz database, in UTC."""
    rule = ";".join(f"{k}={v}" for k, v in rrule.items())
    local = [d for _, d in zip(range(COUNT), rrulestr(f"RRULE:{rule}", dtstart=start), strict=False)]
    zone = ZoneInfo(tzid)
    return [d.replace(tzinfo=zone).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z") for d in local]


@pytest.mark.parametrize("series", list(SERIES))
def test_occurrences_across_dst_equal_the_tz_database(series):
    rrule, start = SERIES[series]
    texts = [calendar_text(meeting(z, rrule, start), method="REQUEST", dtstamp=datetime(2026, 1, 1, tzinfo=UTC))
             for z in ZONES]
    parsed = read_with_icaljs(texts, COUNT)
    crossings = 0
    for tzid, cal in zip(ZONES, parsed, strict=True):
        [event] = cal["events"]
        want = expected_utc(tzid, rrule, start)
        assert event["occurrences"] == want, tzid
        assert event["tzid"] == tzid and cal["timezones"] == [tzid]
        offsets = {ZoneInfo(tzid).utcoffset(datetime.fromisoformat(o[:19])) for o in want}
        crossings += len(offsets) > 1
    assert crossings >= 6  # the series really crossed daylight-saving changes in most zones
    print(f"\n{series}: {len(ZONES)} zones × {COUNT} occurrences equal the tz database in UTC")


def test_rules_not_rdate_lists():
    for tzid in ("Europe/London", "Australia/Sydney", "America/New_York"):
        text = vtimezone(tzid, 2025).to_ical().decode()
        assert "RDATE" not in text and text.count("RRULE:FREQ=YEARLY") == 2
    assert "RDATE" not in vtimezone("America/Santiago", 2025).to_ical().decode()


def test_the_vtimezone_is_built_once_per_zone_and_year():
    vtimezone.cache_clear()
    for _ in range(50):
        vtimezone("Europe/London", 2025)
    info = vtimezone.cache_info()
    assert (info.misses, info.hits) == (1, 49)
