"""Logging what a CoP did — an event with its attendees, or an output — one at a time (the CLI's way)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from copflow.db.models import Activity, Attendance, Person
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.clock import cop_date
from copflow.services.errors import AlreadyExists, InvalidInput, NotFound
from copflow.services.snapshots import get_cop
from lifecycle import Policy
from lifecycle.practice import EVENT_KINDS, OUTPUT_KINDS, ActivityKind, parse_kind


@dataclass(frozen=True)
class ActivitySummary:
    id: int
    slug: str
    kind: str
    title: str
    held_on: date
    attendees: int


def check_kind(text: str, category: str | None) -> ActivityKind:
    kind = parse_kind(text)
    allowed = {"event": EVENT_KINDS, "output": OUTPUT_KINDS}.get(category or "")
    if allowed is not None and kind not in allowed:
        names = ", ".join(sorted(k.value for k in allowed))
        raise InvalidInput("kind", f"{kind.value} is not an {category} kind (expected one of: {names})")
    return kind


def log_activity(uow: UnitOfWork, *, slug: str, kind: str, title: str, held_on: date, by: str, now: datetime,
                 policy: Policy, attendees: tuple[str, ...] = (), link: str | None = None,
                 notes: str | None = None, category: str | None = None) -> ActivitySummary:
    """Record one event or output; attendees must be known people. Refused if already recorded."""
    k = check_kind(kind, category)
    clean_title = v.clean_text("title", title)
    who = v.email(by, "recorded by")
    clean_link = v.link("link", link) if link and link.strip() else None
    clean_notes = notes.strip() if notes and notes.strip() else None
    if attendees and k not in EVENT_KINDS:
        raise InvalidInput("attendee", f"a {k.value} is an output: it has no attendees")
    emails = [v.email(a, "attendee") for a in attendees]
    with uow:
        s = uow.session
        cop = get_cop(s, slug, for_write=True)
        today = cop_date(now, cop.timezone)  # where the CoP is, not where the organisation is
        if held_on > today:
            raise InvalidInput("date", f"{held_on} is in the future (today is {today})")
        if held_on < cop.created_at.date():
            raise InvalidInput("date", f"{held_on} is before {slug} was created ({cop.created_at.date()})")
        ids = dict(s.execute(select(Person.email, Person.id).where(Person.email.in_(emails))).all())
        unknown = [e for e in emails if e not in ids]
        if unknown:
            raise NotFound("person", ", ".join(unknown))
        activity = Activity(cop_id=cop.id, kind=k.value, title=clean_title, held_on=held_on, link=clean_link,
                            notes=clean_notes, recorded_by=who, created_at=now)
        s.add(activity)
        try:
            s.flush()
        except IntegrityError:
            raise AlreadyExists(f"{k.value} of {slug} on {held_on}", clean_title) from None
        for pid in dict.fromkeys(ids[e] for e in emails):
            s.add(Attendance(activity_id=activity.id, person_id=pid))
        uow.commit()
        return ActivitySummary(activity.id, slug, k.value, clean_title, held_on, len(set(emails)))


def list_activities(uow: UnitOfWork, *, slug: str, since: date | None = None) -> list[ActivitySummary]:
    with uow:
        s = uow.session
        cop = get_cop(s, slug)
        counts = (select(Attendance.activity_id, func.count().label("n")).group_by(Attendance.activity_id)
                  .subquery())
        q = (select(Activity, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.activity_id == Activity.id)
             .where(Activity.cop_id == cop.id).order_by(Activity.held_on, Activity.id))
        if since:
            q = q.where(Activity.held_on >= since)
        return [ActivitySummary(a.id, slug, a.kind, a.title, a.held_on, n) for a, n in s.execute(q)]
