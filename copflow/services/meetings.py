"""Meeting series and single meetings, and the iMIP invitations, updates and cancellations they send.

Every invitation is an outbox row per attendee (one invitation per mail) keyed by UID, SEQUENCE, method
and occurrence, so re-running a step never sends the same invitation twice. Changing a series lives in
meeting_changes.py; the days and rules a series meets by in meeting_days.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Cop, MeetingSeries
from copflow.services import meeting_days as md
from copflow.services import validation as v
from copflow.services.errors import InvalidInput, NotFound
from copflow.services.outbox import Recipient, cop_context, enqueue, holders
from copflow.services.pseudonyms import is_erased
from lifecycle import Policy, Role
from lifecycle.audiences import LEAD_ROLES, MEETING_ATTENDEES, OPTIONAL_ATTENDEE_ROLES, ORGANISER_ROLES
from notifications.vocabulary import long_date

if TYPE_CHECKING:
    from notifications.ics import Meeting, Party

# icalendar is imported where an invitation is built, not here: commands that never send one (gate record,
# advance before launch) stay fast to start.

RECURRING = ("checkin", "sponsor_catchup")


@dataclass(frozen=True)
class Kind:
    title: str
    purpose: str


# Who attends each kind: lifecycle/audiences.py (MEETING_ATTENDEES).
KINDS: dict[str, Kind] = {
    "checkin": Kind("Core group check-in", "The core group's regular check-in: progress on the action plan, "
                    "priorities, who does what next."),
    "sponsor_catchup": Kind("Sponsor catch-up", "Update the sponsor, seek feedback and opportunities for "
                            "strategic alignment."),
    "sponsor_meeting": Kind("Meeting with the sponsor", "The core group meets its sponsor: purpose, scope, "
                            "alignment and support."),
    "launch": Kind("Launch event", "The community's launch: why take part, the charter, priorities for "
                   "progress, with the sponsor."),
    "review": Kind("Review meeting", "Take stock against the charter: what was achieved, what members say, "
                   "continue, evolve or close."),
    "closing": Kind("Closing meeting", "Celebrate, capture lessons learned, agree what is archived."),
}


def kind_named(text: str) -> str:
    """A meeting kind as users type it ("sponsor-catchup" or "sponsor_catchup")."""
    kind = text.strip().lower().replace("-", "_")
    if kind not in KINDS:
        names = ", ".join(k.replace("_", "-") for k in KINDS)
        raise InvalidInput("kind", f"unknown meeting kind {text!r} (kinds: {names})")
    return kind


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
             cancelled: tuple[str, ...] = ()) -> MeetingSeries:
    """Create a meeting (or series) and queue its invitation for each attendee (caller commits)."""
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
    days = md.meeting_days(cop, policy)
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
        location=v.clean_text("location", place, 300, required=False) if place else None,
        organizer_email=organizer.email, attendees=[[p.email, p.name, p.role] for p in attendees],
        cancelled_occurrences=list(cancelled),
        skipped_occurrences=md.skipped(start_local, rule, cop.timezone, days, now))
    s.add(series)
    s.flush()
    send_invitations(s, cop, series, method="REQUEST", now=now)
    return series


def check_meeting_day(start_local: datetime, days: md.MeetingDays, option: str = "--at") -> None:
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
    days = md.meeting_days(cop, policy)
    first = md.first_on_or_after(first_on, rule, datetime.combine(first_on, _meeting_time(cop, policy)),
                                 lambda d: days.why_not(d) is None)
    return schedule(s, cop, kind, first, now=now, policy=policy, rrule=rule)


def schedule_on(s: Session, cop: Cop, kind: str, day: date, *, now: datetime, policy: Policy) -> MeetingSeries:
    """One meeting on `day`, or the first meeting day of the CoP after it, at its meeting time (caller commits)."""
    start = datetime.combine(md.next_meeting_day(day, md.meeting_days(cop, policy)), _meeting_time(cop, policy))
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


def meeting_of(series: MeetingSeries, cop: Cop) -> Meeting:
    from notifications.ics import Meeting, Party

    organizer = next((Party(e, n, "CHAIR") for e, n, _ in series.attendees if e == series.organizer_email),
                     Party(series.organizer_email, cop.name, "CHAIR"))
    left_out = md.left_out(series)
    return Meeting(uid=series.uid, sequence=series.sequence, summary=series.summary,
                   description=KINDS[series.kind].purpose, tzid=series.tzid,
                   start=datetime.fromisoformat(series.starts_local), minutes=series.duration_minutes,
                   organizer=organizer, attendees=tuple(Party(e, n, r) for e, n, r in series.attendees),
                   rrule=_ical_rule(series.rrule), location=series.location,
                   url=_online_link(series.location),
                   exdates=tuple(datetime.fromisoformat(x) for x in sorted(left_out)))


def _ical_rule(text: str | None) -> dict[str, object] | None:
    rule: dict[str, object] = dict(md.parse_rule(text))
    if "UNTIL" in rule:  # icalendar writes a datetime, not a string, for UNTIL
        rule["UNTIL"] = datetime.strptime(str(rule["UNTIL"]), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return rule or None


def _online_link(location: str | None) -> str | None:
    """A location that is an online meeting link (Teams, Zoom) is also the event's URL, which calendar clients
    offer as a "join" link."""
    if location and location.startswith("https://") and " " not in location:
        return location
    return None


def send_invitations(s: Session, cop: Cop, series: MeetingSeries, *, method: str, now: datetime,
                     update: bool = False, occurrence: datetime | None = None, reason: str | None = None,
                     only: tuple[Party, ...] | None = None) -> int:
    """Queue the invitation (or cancellation) for every attendee, or with `only` for just those people: a
    joiner's invitation, or the cancellation that takes a leaver off a series (which then names only them,
    as RFC 5546 has an organiser uninvite attendees)."""
    from dataclasses import replace

    from notifications.ics import calendar_text

    m = meeting_of(series, cop)
    if only is not None and method == "CANCEL":
        m = replace(m, attendees=only)
    text = calendar_text(m, method=method, dtstamp=now, occurrence=occurrence)
    start = m.start
    end = start + timedelta(minutes=m.minutes)
    context = {**cop_context(cop), "update": update, "reason": reason,
               "removed": only is not None and method == "CANCEL",
               "occurrence": f"{long_date(occurrence)}, {occurrence:%H:%M}" if occurrence else None,
               "meeting": {"summary": KINDS[series.kind].title, "purpose": KINDS[series.kind].purpose,
                           "when": f"{long_date(start)}, {start:%H:%M}–{end:%H:%M} ({series.tzid})",
                           "recurrence": md.rule_in_words(series.rrule), "location": series.location,
                           "organizer": m.organizer.name, "skipped": _skipped_soon(series, now)}}
    kind = "invitation_cancel" if method == "CANCEL" else "invitation"
    which = occurrence.isoformat(timespec="minutes") if occurrence else "all"
    added = 0
    for p in (only if only is not None else m.attendees):
        key = f"{series.uid}/{series.sequence}/{method}/{which}/{p.email}"
        added += enqueue(s, key=key, cop_id=cop.id, kind=kind, to=Recipient(p.email, p.name, p.role),
                         context=context, now=now, ics=text, ics_method=method)
    return added


def _skipped_soon(series: MeetingSeries, now: datetime) -> list[str]:
    """The holidays and closure days the series skips in the coming year, as the invitation names them."""
    local = now.astimezone(ZoneInfo(series.tzid)).replace(tzinfo=None)
    out = []
    for when, why in series.skipped_occurrences or []:
        at = datetime.fromisoformat(when)
        if local <= at <= local + timedelta(days=366):
            out.append(f"{long_date(at)} ({why})")
    return out


def attendees_for(cop: Cop, roles: frozenset[Role]) -> list[Party]:
    """Who a meeting invites: the current holders of `roles` (an erased person is on the roster, not in
    calendars: services/outbox.py:holders leaves them out)."""
    from notifications.ics import Party

    return [Party(p.email, p.name, _ical_role(Role(p.role))) for p in holders(cop, roles)]


def _ical_role(role: Role) -> str:
    return "CHAIR" if role in LEAD_ROLES else "OPT-PARTICIPANT" if role in OPTIONAL_ATTENDEE_ROLES \
        else "REQ-PARTICIPANT"


def organizer_of(cop: Cop) -> Party:
    from notifications.ics import Party

    for role in ORGANISER_ROLES:
        for m in cop.memberships:
            if m.role == role.value and m.left_on is None and not is_erased(m.person.email):
                return Party(m.person.email, m.person.name, "CHAIR")
    raise InvalidInput("organizer", f"{cop.slug} has no coordinator or lead to organise its meetings")
