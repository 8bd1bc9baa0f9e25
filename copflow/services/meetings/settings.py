"""`copflow cop set`: a CoP's time zone, meeting place, time, weekday or public-holiday region, and its live
meetings sent again to match: one update per attendee per series, however many settings changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.errors import InvalidInput
from copflow.services.meetings import recurrence as md
from copflow.services.meetings.changes import move_whole
from copflow.services.meetings.series import live_series
from copflow.services.snapshots import get_cop
from copflow.services.workdays import WorkingDays, check_region, working_days_of
from lifecycle import Policy
from lifecycle.weekdays import weekday_number


@dataclass(frozen=True)
class CopMeetingSettings:
    slug: str
    timezone: str
    place: str | None
    time: str | None
    weekday: str | None
    public_holidays: str | None
    updated: list[str]  # one line per series sent again


def set_cop_meetings(uow: UnitOfWork, *, slug: str, now: datetime, policy: Policy, timezone: str | None = None,
                     place: str | None = None, at: str | None = None, weekday: str | None = None,
                     public_holidays: str | None = None) -> CopMeetingSettings:
    """Change where and when a CoP meets; "" clears a setting back to the policy's. Live series move with it."""
    if all(x is None for x in (timezone, place, at, weekday, public_holidays)):
        raise InvalidInput("settings", "nothing to change: give --timezone, --place, --time, --weekday or --holidays")
    zone = v.timezone(timezone) if timezone else None
    clean_place = v.place("place", place) if place else place
    clock = _clock(at) if at else None
    day = md.day_name(weekday) if weekday else None
    if day is not None and weekday_number(day) not in {weekday_number(d) for d in policy.working_days}:
        raise InvalidInput("weekday", f"{day} is not one of the working days ({', '.join(policy.working_days)})")
    region = check_region(public_holidays.strip()) if public_holidays else public_holidays
    with uow:
        s = uow.session
        cop = get_cop(s, slug, for_write=True)
        if zone:
            cop.timezone = zone
        if place is not None:
            cop.meeting_place = clean_place or None
        if at is not None:
            cop.meeting_time = clock.strftime("%H:%M") if clock else None
        if weekday is not None:
            cop.meeting_weekday = day
        if public_holidays is not None:
            cop.public_holidays = region if region else None
        days = working_days_of(cop, policy)
        updated = []
        for series in live_series(s, cop, now):
            start = datetime.fromisoformat(series.starts_local)
            if clock is not None or (at == "" and cop.meeting_time is None):
                start = datetime.combine(start.date(), clock or time.fromisoformat(policy.meeting_time))
            rule = series.rrule
            if day is not None and rule:
                start, rule = _on_weekday(series.rrule or "", start, weekday_number(day), days)
            location = (cop.meeting_place or policy.meeting_place or None) if place is not None else series.location
            move_whole(s, cop, series, start, now=now, policy=policy, location=location,
                       tzid=zone or series.tzid, rule=rule)
            updated.append(f"{series.uid}: {series.starts_local} {series.tzid}, {series.location or 'no place'} "
                           f"(sequence {series.sequence}, {len(series.attendees)} updates)")
        uow.commit()
        return CopMeetingSettings(cop.slug, cop.timezone, cop.meeting_place, cop.meeting_time, cop.meeting_weekday,
                                  cop.public_holidays, updated)


def _clock(text: str) -> time:
    try:
        value = time.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("time", f"{text!r} is not a time of day like 12:30") from None
    return value.replace(second=0, microsecond=0)


def _on_weekday(rule: str, start: datetime, weekday: int, days: WorkingDays) -> tuple[datetime, str]:
    """The series on another weekday: a monthly one keeps its position ("second"), a weekly one its interval;
    it starts on the first such day from the week of its old start."""
    parts = md.parse_rule(rule)
    byday = parts.get("BYDAY", "")
    if parts["FREQ"] == "MONTHLY":
        nth = int(byday[:-2]) if byday[:-2] else md.position_of(start.date())
        parts["BYDAY"] = f"{nth}{md.BYDAY[weekday]}"
        from_day = start.date().replace(day=1)
    else:
        parts["BYDAY"] = md.BYDAY[weekday]
        from_day = start.date() - timedelta(days=start.weekday())
    new_rule = md.rule_text(parts)
    first = md.first_on_or_after(from_day, new_rule, start, lambda d: days.why_not(d) is None)
    return first, new_rule
