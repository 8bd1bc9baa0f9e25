"""Meeting series and single meetings, and the iMIP invitations, updates and cancellations they send.

Every invitation is an outbox row per attendee (one invitation per mail) keyed by UID, SEQUENCE, method
and occurrence, so re-running a step never sends the same invitation twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Cop, MeetingSeries
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.errors import InvalidInput, NotFound
from copflow.services.outbox import Recipient, cop_context, enqueue
from copflow.services.snapshots import get_cop
from lifecycle import Policy, Role, Stage
from notifications.vocabulary import long_date

if TYPE_CHECKING:
    from notifications.ics import Meeting, Party

# icalendar is imported where an invitation is built, not here: commands that never send one (gate record,
# advance before launch) stay fast to start.

ALL = tuple(Role)
LEADS = (Role.COORDINATOR, Role.LEAD)


@dataclass(frozen=True)
class Kind:
    title: str
    purpose: str
    roles: tuple[Role, ...]


KINDS: dict[str, Kind] = {
    "checkin": Kind("Core group check-in", "The core group's regular check-in: progress on the action plan, "
                    "priorities, who does what next.", (*LEADS, Role.CORE)),
    "sponsor_catchup": Kind("Sponsor catch-up", "Update the sponsor, seek feedback and opportunities for "
                            "strategic alignment.", (*LEADS, Role.SPONSOR)),
    "sponsor_meeting": Kind("Meeting with the sponsor", "The core group meets its sponsor: purpose, scope, "
                            "alignment and support.", (*LEADS, Role.CORE, Role.SPONSOR)),
    "launch": Kind("Launch event", "The community's launch: why take part, the charter, priorities for "
                   "progress, with the sponsor.", ALL),
    "review": Kind("Review meeting", "Take stock against the charter: what was achieved, what members say, "
                   "continue, evolve or close.", (*LEADS, Role.CORE, Role.SPONSOR, Role.OD_MANAGER_CONTACT)),
    "closing": Kind("Closing meeting", "Celebrate, capture lessons learned, agree what is archived.", ALL),
}


def rrule_for(kind: str, policy: Policy) -> str | None:
    if kind == "checkin":
        return f"FREQ=MONTHLY;INTERVAL={policy.checkin_every_months}"
    if kind == "sponsor_catchup":
        return f"FREQ=WEEKLY;INTERVAL={policy.sponsor_catchup_every_weeks}"
    return None


def _rrule_dict(text: str | None) -> dict[str, object] | None:
    if not text:
        return None
    return {k: v for k, v in (part.split("=", 1) for part in text.split(";"))}


def _recurrence_text(text: str | None) -> str | None:
    rule = _rrule_dict(text)
    if not rule:
        return None
    n = int(str(rule.get("INTERVAL", 1)))
    unit = {"MONTHLY": "month", "WEEKLY": "week", "DAILY": "day", "YEARLY": "year"}[str(rule["FREQ"])]
    return f"every {unit}" if n == 1 else f"every {n} {unit}s"


def schedule(s: Session, cop: Cop, kind: str, start_local: datetime, *, now: datetime, policy: Policy,
             minutes: int | None = None, location: str | None = None, rrule: str | None = None) -> MeetingSeries:
    """Create a meeting (or series) and queue its invitation for each attendee (caller commits)."""
    if kind not in KINDS:
        raise InvalidInput("kind", f"unknown meeting kind {kind!r} (kinds: {', '.join(KINDS)})")
    attendees = attendees_for(cop, KINDS[kind].roles)
    if not attendees:
        raise InvalidInput("attendees", f"{cop.slug} has nobody to invite to a {KINDS[kind].title.lower()}")
    organizer = organizer_of(cop)
    count = len(list(s.scalars(select(MeetingSeries.id).where(MeetingSeries.cop_id == cop.id,
                                                              MeetingSeries.kind == kind))))
    zone = ZoneInfo(cop.timezone)
    series = MeetingSeries(
        cop_id=cop.id, kind=kind, uid=f"{cop.slug}.{kind}.{count + 1}@copflow", sequence=0,
        summary=f"{KINDS[kind].title}: {cop.name}", starts_at=start_local.replace(tzinfo=zone).astimezone(UTC),
        duration_minutes=minutes or policy.meeting_minutes,
        rrule=rrule if rrule is not None else rrule_for(kind, policy),
        status="scheduled", created_at=now, tzid=cop.timezone, starts_local=start_local.isoformat(timespec="minutes"),
        location=v.clean_text("location", location, 300, required=False) if location else None,
        organizer_email=organizer.email, attendees=[[p.email, p.name, p.role] for p in attendees],
        cancelled_occurrences=[])
    s.add(series)
    s.flush()
    send_invitations(s, cop, series, method="REQUEST", now=now)
    return series


def reschedule(uow: UnitOfWork, *, slug: str, uid: str, start_local: datetime, now: datetime,
               location: str | None = None) -> MeetingSeries:
    """Move a meeting or series: same UID, SEQUENCE raised, a REQUEST to everyone invited."""
    with uow:
        cop = get_cop(uow.session, slug, for_write=True)
        series = _series(uow.session, cop, uid)
        zone = ZoneInfo(series.tzid)
        series.starts_local = start_local.isoformat(timespec="minutes")
        series.starts_at = start_local.replace(tzinfo=zone).astimezone(UTC)
        if location is not None:
            series.location = v.clean_text("location", location, 300, required=False) or None
        series.sequence += 1
        send_invitations(uow.session, cop, series, method="REQUEST", now=now, update=True)
        uow.commit()
        return series


def cancel(uow: UnitOfWork, *, slug: str, uid: str, now: datetime, occurrence: datetime | None = None,
           reason: str | None = None) -> MeetingSeries:
    """Cancel a whole series, or one occurrence of it (RECURRENCE-ID): METHOD:CANCEL, SEQUENCE raised."""
    with uow:
        cop = get_cop(uow.session, slug, for_write=True)
        series = _series(uow.session, cop, uid)
        cancel_series(uow.session, cop, series, now=now, occurrence=occurrence, reason=reason)
        uow.commit()
        return series


def cancel_series(s: Session, cop: Cop, series: MeetingSeries, *, now: datetime, occurrence: datetime | None = None,
                  reason: str | None = None) -> None:
    if series.status == "cancelled":
        return  # cancelling twice sends nothing new
    series.sequence += 1
    if occurrence is None:
        series.status = "cancelled"
    else:
        series.cancelled_occurrences = [*series.cancelled_occurrences, occurrence.isoformat(timespec="minutes")]
    send_invitations(s, cop, series, method="CANCEL", now=now, occurrence=occurrence, reason=reason)


def cancel_all(s: Session, cop: Cop, *, now: datetime, reason: str) -> int:
    """Cancel every scheduled series of a CoP (on closing)."""
    live = list(s.scalars(select(MeetingSeries).where(MeetingSeries.cop_id == cop.id,
                                                      MeetingSeries.status == "scheduled")))
    for series in live:
        cancel_series(s, cop, series, now=now, reason=reason)
    return len(live)


def on_stage_entered(s: Session, cop: Cop, source: Stage, target: Stage, *, today: date, now: datetime,
                     policy: Policy, anchor: date | None) -> None:
    """The series a stage needs: check-ins and sponsor catch-ups once launched; review meetings on the
    charter's review dates once it is published."""
    at = time.fromisoformat(policy.meeting_time)
    kinds = {m.kind for m in s.scalars(select(MeetingSeries).where(MeetingSeries.cop_id == cop.id,
                                                                   MeetingSeries.status == "scheduled"))}
    if target is Stage.ACTIVE and source is Stage.LAUNCHING:
        base = anchor or today
        for kind, offset in (("checkin", timedelta(weeks=2)), ("sponsor_catchup", timedelta(weeks=6))):
            if kind not in kinds and attendees_for(cop, KINDS[kind].roles):
                schedule(s, cop, kind, datetime.combine(base + offset, at), now=now, policy=policy)
    if target is Stage.LAUNCHING:
        from copflow.services.snapshots import current_charter

        charter = current_charter(s, cop.id)
        for d in charter.review_dates if charter else []:
            day = date.fromisoformat(d)
            if day > today:
                schedule(s, cop, "review", datetime.combine(day, at), now=now, policy=policy)


@dataclass(frozen=True)
class SeriesEntry:
    """One meeting series as `copflow meeting list` shows it (`starts`: wall-clock time in `tz`; `attendees`:
    how many are invited)."""

    uid: str
    kind: str
    summary: str
    starts: str
    tz: str
    repeats: str | None
    sequence: int
    status: str
    cancelled_occurrences: list[str]
    attendees: int


def list_series(uow: UnitOfWork, slug: str) -> list[SeriesEntry]:
    with uow:
        cop = get_cop(uow.session, slug)
        rows = uow.session.scalars(select(MeetingSeries).where(MeetingSeries.cop_id == cop.id)
                                   .order_by(MeetingSeries.id))
        return [SeriesEntry(m.uid, m.kind, m.summary, m.starts_local, m.tzid, _recurrence_text(m.rrule), m.sequence,
                            m.status, m.cancelled_occurrences, len(m.attendees)) for m in rows]


def meeting_of(series: MeetingSeries, cop: Cop) -> Meeting:
    from notifications.ics import Meeting, Party

    organizer = next((Party(e, n, "CHAIR") for e, n, _ in series.attendees if e == series.organizer_email),
                     Party(series.organizer_email, cop.name, "CHAIR"))
    return Meeting(uid=series.uid, sequence=series.sequence, summary=series.summary,
                   description=KINDS[series.kind].purpose, tzid=series.tzid,
                   start=datetime.fromisoformat(series.starts_local), minutes=series.duration_minutes,
                   organizer=organizer, attendees=tuple(Party(e, n, r) for e, n, r in series.attendees),
                   rrule=_rrule_dict(series.rrule), location=series.location, url=_online_link(series.location),
                   exdates=tuple(datetime.fromisoformat(x) for x in series.cancelled_occurrences))


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
                           "recurrence": _recurrence_text(series.rrule), "location": series.location,
                           "organizer": m.organizer.name}}
    kind = "invitation_cancel" if method == "CANCEL" else "invitation"
    which = occurrence.isoformat(timespec="minutes") if occurrence else "all"
    added = 0
    for p in (only if only is not None else m.attendees):
        key = f"{series.uid}/{series.sequence}/{method}/{which}/{p.email}"
        added += enqueue(s, key=key, cop_id=cop.id, kind=kind, to=Recipient(p.email, p.name, p.role),
                         context=context, now=now, ics=text, ics_method=method)
    return added


def attendees_for(cop: Cop, roles: tuple[Role, ...]) -> list[Party]:
    from notifications.ics import Party

    wanted = {r.value for r in roles}
    seen: dict[str, Party] = {}
    for m in sorted(cop.memberships, key=lambda m: (m.role, m.person.email)):
        if m.role in wanted and m.left_on is None:
            seen.setdefault(m.person.email, Party(m.person.email, m.person.name, _ical_role(m.role)))
    return list(seen.values())


def _ical_role(role: str) -> str:
    return "CHAIR" if role in (Role.COORDINATOR.value, Role.LEAD.value) else \
        "OPT-PARTICIPANT" if role in (Role.WIDER.value, Role.OD_MANAGER_CONTACT.value) else "REQ-PARTICIPANT"


def organizer_of(cop: Cop) -> Party:
    from notifications.ics import Party

    for role in (Role.COORDINATOR.value, Role.LEAD.value, Role.OD_MANAGER_CONTACT.value):
        for m in cop.memberships:
            if m.role == role and m.left_on is None:
                return Party(m.person.email, m.person.name, "CHAIR")
    raise InvalidInput("organizer", f"{cop.slug} has no coordinator or lead to organise its meetings")


def _series(s: Session, cop: Cop, uid: str) -> MeetingSeries:
    series = s.scalar(select(MeetingSeries).where(MeetingSeries.cop_id == cop.id, MeetingSeries.uid == uid))
    if series is None:
        raise NotFound(f"meeting of {cop.slug}", uid)
    return series
