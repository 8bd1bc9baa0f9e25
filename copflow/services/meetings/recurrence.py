"""When a series meets: the rule it repeats by (RFC 5545 RRULE), its occurrences, and those not held.

Occurrences are wall-clock times in the series' zone (an RRULE repeats in local time, across daylight saving).
An occurrence on a day that is not a working day (services/workdays.py: a weekend, a public holiday of the
CoP's region, a closure day) is left out of the series and kept in its `skipped_occurrences`, with why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from copflow.db.models import Cop, MeetingSeries
from copflow.services.errors import InvalidInput
from copflow.services.workdays import WorkingDays
from lifecycle import Policy
from lifecycle.weekdays import WEEKDAY_NAMES, weekday_number, weekday_position
from notifications.vocabulary import short_date

BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
HORIZON = timedelta(days=3 * 366)  # holidays are left out of a series this far ahead of its latest change


# --- rules --------------------------------------------------------------------------------------------------

def monthly_rule(every: int, nth: int, weekday: int) -> str:
    return f"FREQ=MONTHLY;INTERVAL={every};BYDAY={nth}{BYDAY[weekday]}"


def weekly_rule(every: int, weekday: int) -> str:
    return f"FREQ=WEEKLY;INTERVAL={every};BYDAY={BYDAY[weekday]}"


def position_of(day: date) -> int:
    """The weekday position of `day` in its month: 1-4, or -1 for the fifth (a "fifth Tuesday" skips months)."""
    nth = (day.day - 1) // 7 + 1
    return -1 if nth == 5 else nth


def parse_rule(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    return dict(part.split("=", 1) for part in text.split(";"))


def rule_text(rule: dict[str, str]) -> str:
    return ";".join(f"{k}={v}" for k, v in rule.items())


def rule_in_words(text: str | None) -> str | None:
    """"every month on the second Tuesday", "every 6 weeks on Thursday", with "until …" when it ends."""
    rule = parse_rule(text)
    if not rule:
        return None
    n = int(rule.get("INTERVAL", "1"))
    unit = {"MONTHLY": "month", "WEEKLY": "week", "DAILY": "day", "YEARLY": "year"}[rule["FREQ"]]
    words = f"every {unit}" if n == 1 else f"every {n} {unit}s"
    byday = rule.get("BYDAY")
    if byday:
        name = WEEKDAY_NAMES[BYDAY.index(byday[-2:])].title()
        words += f" on the {ORDINAL_WORDS[int(byday[:-2])]} {name}" if byday[:-2] else f" on {name}"
    if "UNTIL" in rule:
        words += f", until {short_date(datetime.strptime(rule['UNTIL'][:8], '%Y%m%d').date())}"
    return words


def with_until(text: str, last_local: datetime, tzid: str) -> str:
    """The rule ended at its occurrence `last_local` (UNTIL in UTC, as RFC 5545 wants with a TZID'd DTSTART)."""
    rule = parse_rule(text)
    rule["UNTIL"] = last_local.replace(tzinfo=ZoneInfo(tzid)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return rule_text(rule)


# --- occurrences --------------------------------------------------------------------------------------------

def occurrences(start: datetime, rule_text_: str | None, tzid: str, until: datetime) -> list[datetime]:
    """Every occurrence (wall-clock, naive) from `start` up to `until`, the rule's own UNTIL respected."""
    if not rule_text_:
        return [start] if start <= until else []
    from dateutil.rrule import rrulestr

    rule = parse_rule(rule_text_)
    end = until
    if "UNTIL" in rule:
        stop = datetime.strptime(rule.pop("UNTIL"), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        end = min(end, stop.astimezone(ZoneInfo(tzid)).replace(tzinfo=None))
    return list(rrulestr(f"RRULE:{rule_text(rule)}", dtstart=start).between(start, end, inc=True))


def left_out(series: MeetingSeries) -> set[str]:
    """The local starts of a series' occurrences that are not held: cancelled one by one, or on a holiday."""
    return {*series.cancelled_occurrences, *(when for when, _ in series.skipped_occurrences or [])}


def held_occurrences(series: MeetingSeries, until: datetime) -> list[datetime]:
    """The occurrences of a series that are held (wall-clock, in its zone) up to `until`: none for a cancelled
    series, none cancelled one by one, none on a holiday or closure day."""
    if series.status == "cancelled":
        return []
    skip = left_out(series)
    return [when for when in occurrences(datetime.fromisoformat(series.starts_local), series.rrule, series.tzid,
                                         until) if when.isoformat(timespec="minutes") not in skip]


def next_held_at(series: MeetingSeries, now: datetime) -> datetime | None:
    """When the series' next held occurrence after `now` starts (UTC): what `meeting_series.next_held_at` keeps for
    the sweep. None once nothing more is held; when nothing is held in the year ahead but the rule goes on, a
    year ahead (a lower bound: the sweep looks again then)."""
    if series.status != "scheduled":
        return None
    zone = ZoneInfo(series.tzid)
    after = now.astimezone(zone).replace(tzinfo=None)
    ahead = after + timedelta(days=366)
    found = next((when for when in held_occurrences(series, ahead) if when > after), None)
    if found is not None:
        return found.replace(tzinfo=zone).astimezone(UTC)
    rule, end = parse_rule(series.rrule), ahead.replace(tzinfo=zone).astimezone(UTC)
    if not rule or ("UNTIL" in rule and datetime.strptime(rule["UNTIL"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) <= end):
        return None  # a single meeting that has begun, or a series that has ended
    return end


def first_on_or_after(day: date, rule_text_: str, at: datetime, ok: Callable[[date], bool]) -> datetime:
    """The first day on or after `day` that `rule_text_` meets on and `ok` accepts, at `at`'s time of day."""
    from dateutil.rrule import rrulestr

    rule = parse_rule(rule_text_)
    rule["INTERVAL"] = "1"  # any matching day will do for a first meeting
    rule.pop("UNTIL", None)
    start = datetime.combine(day, at.time())
    candidate: datetime
    for candidate in rrulestr(f"RRULE:{rule_text(rule)}", dtstart=start):
        if ok(candidate.date()):
            return candidate
        if candidate > start + timedelta(days=400):
            break
    raise InvalidInput("rule", f"no meeting day for {rule_in_words(rule_text_)} in the year after {day}")


def check_wall_clock(when: datetime, tzid: str, what: str = "--at") -> None:
    """Refuse a local time that does not exist (clocks go forward) or happens twice (clocks go back)."""
    zone = ZoneInfo(tzid)
    early, late = when.replace(tzinfo=zone, fold=0), when.replace(tzinfo=zone, fold=1)
    if early.utcoffset() == late.utcoffset():
        return
    roundtrip = early.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if roundtrip != when:
        raise InvalidInput(what, f"{when:%Y-%m-%d %H:%M} does not exist in {tzid} (the clocks go forward): "
                                 "pick another time")
    raise InvalidInput(what, f"{when:%Y-%m-%d %H:%M} happens twice in {tzid} (the clocks go back): "
                             "pick another time")


def check_series_clock(start: datetime, rule: str | None, tzid: str) -> None:
    """Every occurrence in the horizon must be a time that exists once (a 01:30 series meets a change day)."""
    for when in occurrences(start, rule, tzid, start + HORIZON):
        check_wall_clock(when, tzid, "time")


def skipped(start: datetime, rule: str | None, tzid: str, days: WorkingDays, now: datetime) -> list[list[str]]:
    """The occurrences of a series that fall on a day without meetings, with why, up to HORIZON ahead."""
    if not rule:
        return []
    until = max(start, now.astimezone(ZoneInfo(tzid)).replace(tzinfo=None)) + HORIZON
    out = []
    for when in occurrences(start, rule, tzid, until):
        why = days.why_not(when.date())
        if why is not None:
            out.append([when.isoformat(timespec="minutes"), why])
    return out


def day_name(text: str) -> str:
    """A weekday as a user typed it, checked and title-cased ("wednesday" → "Wednesday")."""
    try:
        return WEEKDAY_NAMES[weekday_number(text)].title()
    except ValueError as exc:
        raise InvalidInput("weekday", str(exc)) from None


def checkin_position(cop: Cop, policy: Policy) -> tuple[int, int]:
    nth, weekday = weekday_position(policy.checkin_day)
    return nth, weekday_number(cop.meeting_weekday) if cop.meeting_weekday else weekday


def catchup_weekday(cop: Cop, policy: Policy) -> int:
    return weekday_number(cop.meeting_weekday or policy.sponsor_catchup_weekday)
