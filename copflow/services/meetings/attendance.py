"""The attendance of a check-in (or sponsor catch-up) that has taken place, pre-filled from the accepts (RSVPs)
for its leads to confirm: who said they would come is ticked, everyone else invited is offered unticked. Nothing is
recorded here: the lead confirms (the CoP page's form, `copflow activity attendance`), and the activity with its
attendees is then logged by copflow/services/activities.py like any other event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Activity, Cop, MeetingSeries
from copflow.db.uow import UnitOfWork
from copflow.services.activities import ActivitySummary, log_activity
from copflow.services.errors import InvalidInput
from copflow.services.meetings import recurrence as md
from copflow.services.meetings.answers import answers_for
from copflow.services.meetings.kinds import KINDS, kind_named
from copflow.services.snapshots import get_cop
from lifecycle import Policy

# The meetings whose attendance is evidence (lifecycle.practice's event kinds), by series kind.
ACTIVITY_KIND = {"checkin": "check_in", "sponsor_catchup": "sponsor_catch_up"}
LOOK_BACK_DAYS = 31  # the page offers the meetings held in the last month whose attendance is not recorded


@dataclass(frozen=True)
class Invitee:
    email: str
    name: str
    answer: str  # ACCEPTED, DECLINED, TENTATIVE, NEEDS-ACTION
    ticked: bool  # pre-filled as present: they accepted


@dataclass(frozen=True)
class HeldMeeting:
    kind: str  # the series' kind: checkin, sponsor_catchup
    activity_kind: str  # what it is logged as: check_in, sponsor_catch_up
    title: str
    held_on: date
    at: datetime  # wall-clock, in the series' zone
    invited: list[Invitee]
    recorded: bool  # its attendance is recorded already

    @property
    def ticked(self) -> list[str]:
        return [i.email for i in self.invited if i.ticked]


def held_meeting(s: Session, cop: Cop, kind: str, day: date, *, now: datetime) -> HeldMeeting:
    """The meeting of `kind` held on `day`, pre-filled; refused when none was held that day (or it is to come)."""
    kind = kind_named(kind)
    if kind not in ACTIVITY_KIND:
        raise InvalidInput("--kind", f"{KINDS[kind].title.lower()}s have no attendance to confirm here "
                                     "(check-ins and sponsor catch-ups do)", value=kind)
    found = [m for m in _held(s, cop, now, kinds=(kind,)) if m.held_on == day]
    if not found:
        raise InvalidInput("--date", f"{cop.slug} held no {KINDS[kind].title.lower()} on {day.isoformat()}",
                           value=day.isoformat())
    return found[0]


def to_confirm(s: Session, cop: Cop, *, now: datetime) -> list[HeldMeeting]:
    """The check-ins and catch-ups held in the last month whose attendance is not recorded yet, latest first."""
    return [m for m in _held(s, cop, now, kinds=tuple(ACTIVITY_KIND)) if not m.recorded
            and m.held_on >= (now - timedelta(days=LOOK_BACK_DAYS)).date()]


def _held(s: Session, cop: Cop, now: datetime, *, kinds: tuple[str, ...]) -> list[HeldMeeting]:
    out: list[HeldMeeting] = []
    recorded = {(a.kind, a.held_on) for a in s.scalars(select(Activity).where(Activity.cop_id == cop.id))}
    for series in s.scalars(select(MeetingSeries).where(MeetingSeries.cop_id == cop.id,
                                                        MeetingSeries.kind.in_(kinds))):
        zone = ZoneInfo(series.tzid)
        ended = (now - timedelta(minutes=series.duration_minutes)).astimezone(zone).replace(tzinfo=None)
        # a cancelled series' occurrences before it was cancelled were held; held_occurrences says none for it
        held = md.held_occurrences(series, ended) if series.status != "cancelled" else []
        for at in held[-12:]:
            found = answers_for(s, series, at)
            invited = [Invitee(str(e).lower(), str(n), found.by_email.get(str(e).lower(), "NEEDS-ACTION"),
                               found.by_email.get(str(e).lower()) == "ACCEPTED") for e, n, _ in series.attendees]
            activity = ACTIVITY_KIND[series.kind]
            out.append(HeldMeeting(series.kind, activity, KINDS[series.kind].title, at.date(), at, invited,
                                   (activity, at.date()) in recorded))
    return sorted(out, key=lambda m: m.at, reverse=True)


def prefilled(uow: UnitOfWork, *, slug: str, kind: str, held_on: date, now: datetime) -> HeldMeeting:
    """The pre-filled attendance of the CoP's meeting of `kind` held on `held_on` (nothing written)."""
    with uow:
        return held_meeting(uow.session, get_cop(uow.session, slug), kind, held_on, now=now)


def confirm_attendance(uow: UnitOfWork, *, slug: str, kind: str, held_on: date, attendees: tuple[str, ...],
                       by: str, now: datetime, policy: Policy) -> ActivitySummary:
    """Record the meeting held on `held_on` with the attendees its lead confirmed (the pre-filled list, as they
    left or changed it): logged as an event of its kind, refused if recorded already."""
    meeting = prefilled(uow, slug=slug, kind=kind, held_on=held_on, now=now)
    return log_activity(uow, slug=slug, kind=meeting.activity_kind, title=meeting.title, held_on=held_on, by=by,
                        now=now, policy=policy, attendees=attendees, category="event")
