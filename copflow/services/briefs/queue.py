"""Check-in agendas and sponsor briefs, queued by the daily sweep: a set number of days before each held
occurrence of a CoP's check-in (or sponsor catch-up), one mail to each of its attendees.

The occurrences are the calendar's own (services/meetings/recurrence.py expands every series as the invitations do):
a cancelled series, a cancelled occurrence and a holiday-skipped date get nothing, and after `meeting move` the
mails follow the series' new dates. Each mail is keyed by the series' UID, the occurrence's date and the
recipient, so however often the sweep runs, each person gets one per occurrence. A closed CoP gets none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from copflow.db.models import Cop, MeetingSeries
from copflow.db.uow import UnitOfWork
from copflow.services.briefs import contents as say
from copflow.services.clock import cop_date
from copflow.services.links.signed import mail_link
from copflow.services.mail.outbox import Recipient, already_queued, cop_context, enqueue, holders, people_context
from copflow.services.mail.posts import post_agenda
from copflow.services.meetings import recurrence as md
from copflow.services.meetings.reorganise import reorganise
from lifecycle import Policy, Stage
from lifecycle.audiences import LEAD_ROLES, MEETING_ATTENDEES
from lifecycle.briefs import Owed, owed_today
from notifications.vocabulary import long_date


@dataclass(frozen=True)
class BriefKind:
    message: str  # the template
    key: str  # the idempotency key's word
    days_before: Callable[[Policy], int]


BRIEFS: dict[str, BriefKind] = {
    "checkin": BriefKind("checkin_agenda", "agenda", lambda p: p.agenda_days_before),
    "sponsor_catchup": BriefKind("sponsor_brief", "brief", lambda p: p.brief_days_before),
}
# No agenda for a CoP that has closed or is closing (its meetings are cancelled when closing begins).
QUIET_STAGES = (Stage.CLOSED.value, Stage.CLOSING.value)


@dataclass
class BriefCounts:
    """What the sweep queued: agenda and brief mails (one per recipient), and which meetings they prepare."""

    agendas: int = 0
    briefs: int = 0
    meetings: list[str] = field(default_factory=list)  # "Data and Insight: core group check-in, Tuesday 9 …"
    # Whose meetings, one name per meeting: what the sweep's artifact shows (check-ins and catch-ups are private).
    cops: list[str] = field(default_factory=list)
    reorganised: list[str] = field(default_factory=list)  # series sent again from the programme's mailbox


def queue_briefs(uow: UnitOfWork, *, now: datetime, policy: Policy, od_manager: str | None = None) -> BriefCounts:
    """Queue every agenda and brief owed today, one transaction per CoP (one CoP's trouble holds up no other).

    Reads only the series whose next held occurrence is near, through the index on `next_held_at`: the cost
    follows the meetings being prepared, not the number of CoPs or series. Each CoP read moves its series'
    `next_held_at` on to their next occurrence (a closing or closed CoP's too, with nothing sent)."""
    counts = BriefCounts()
    # An agenda is owed from its day minus `days_before` (where the CoP is) until the meeting starts: in any
    # zone, before `now` plus days_before + 1 days.
    soon = now + timedelta(days=max(b.days_before(policy) for b in BRIEFS.values()) + 1)
    with uow:
        ids = list(uow.session.scalars(
            select(MeetingSeries.cop_id).where(MeetingSeries.kind.in_(list(BRIEFS)),
                                               MeetingSeries.next_held_at < soon).distinct()))
    for cop_id in sorted(ids):
        with uow:
            s = uow.session
            cop = s.scalars(select(Cop).where(Cop.id == cop_id).options(selectinload(Cop.memberships))).one()
            if cop.stage not in QUIET_STAGES:
                _prepare(s, cop, counts, now=now, policy=policy, od_manager=od_manager)
            _move_on(s, cop, now)
            uow.commit()
    return counts


def _prepare(s: Session, cop: Cop, counts: BriefCounts, *, now: datetime, policy: Policy,
             od_manager: str | None) -> None:
    # A series a lead organised (sent before the programme's mailbox organised them) is sent again from it
    # before its agenda, once: the old one is cancelled (meetings/reorganise.py).
    counts.reorganised.extend(reorganise(s, cop, now=now, policy=policy))
    for kind, brief in BRIEFS.items():
        for series, owed in owed_for(s, cop, kind, now=now, days_before=brief.days_before(policy)):
            queued = _queue(s, cop, brief, series, owed, now=now, policy=policy, od_manager=od_manager)
            if kind == "checkin":
                counts.agendas += queued
            else:
                counts.briefs += queued
            if queued:
                counts.meetings.append(f"{cop.name}: {say.meeting_title(series)}, {long_date(owed.at)}")
                counts.cops.append(cop.name)


def _move_on(s: Session, cop: Cop, now: datetime) -> None:
    """Each of the CoP's series' `next_held_at` to its next held occurrence, unless the series changed since it
    was read (its sequence moved on, and the change set a lower bound of its own)."""
    for series in s.scalars(select(MeetingSeries).where(MeetingSeries.cop_id == cop.id,
                                                        MeetingSeries.kind.in_(list(BRIEFS)))):
        s.execute(update(MeetingSeries).where(MeetingSeries.id == series.id,
                                              MeetingSeries.sequence == series.sequence)
                  .values(next_held_at=md.next_held_at(series, now)).execution_options(synchronize_session=False))


def owed_for(s: Session, cop: Cop, kind: str, *, now: datetime,
             days_before: int) -> list[tuple[MeetingSeries, Owed]]:
    """The occurrences of the CoP's meetings of `kind` owed their mail today, across every series of the kind (a
    series moved from a date on continues in a new one), in the CoP's zone, each with its series."""
    zone = ZoneInfo(cop.timezone)
    now_local = now.astimezone(zone).replace(tzinfo=None)
    until = now_local + timedelta(days=days_before + 1)
    whose: dict[datetime, MeetingSeries] = {}
    for series in s.scalars(select(MeetingSeries).where(MeetingSeries.cop_id == cop.id, MeetingSeries.kind == kind,
                                                        MeetingSeries.status == "scheduled")
                            .order_by(MeetingSeries.id)):
        own = ZoneInfo(series.tzid)
        for when in md.held_occurrences(series, until.replace(tzinfo=zone).astimezone(own).replace(tzinfo=None)):
            whose[when.replace(tzinfo=own).astimezone(zone).replace(tzinfo=None)] = series
    return [(whose[o.at], o) for o in owed_today(whose, now_local, days_before)]


def _queue(s: Session, cop: Cop, brief: BriefKind, series: MeetingSeries, owed: Owed, *, now: datetime,
           policy: Policy, od_manager: str | None) -> int:
    today = cop_date(now, cop.timezone)
    since = owed.previous if owed.previous is not None else \
        series.created_at.astimezone(ZoneInfo(cop.timezone)).replace(tzinfo=None)
    window = say.Window(series, owed.at, say.as_utc(since, cop.timezone), owed.previous is None, now, today)
    people = holders(cop, MEETING_ATTENDEES[series.kind])
    context: dict[str, Any] | None = None
    added = 0
    for to in people:
        key = f"{series.uid}/{brief.key}/{owed.at.date().isoformat()}/{to.email}"
        if already_queued(s, key):
            continue  # no second link for a mail that will not be sent again
        if context is None:  # read once per meeting, and only when someone is still owed the mail
            context = _context(s, cop, brief, window, policy=policy, od_manager=od_manager)
        added += enqueue(s, key=key, cop_id=cop.id, kind=brief.message, to=to, now=now,
                         context={**context, "action_url": _link(s, cop, to, context, now=now, policy=policy)})
    if brief.message == "checkin_agenda" and context is not None:  # the channel hears when, and what is on it
        post_agenda(s, cop, series, owed.at, plan=context["plan"], done=len(context["done"]),
                    first=bool(context["first"]), now=now, policy=policy)
    return added


def _context(s: Session, cop: Cop, brief: BriefKind, w: say.Window, *, policy: Policy,
             od_manager: str | None) -> dict[str, Any]:
    context = {**cop_context(cop), **people_context(cop, od_manager),
               "meeting": {**say.meeting(w), "answers": say.answers_words(s, cop, w)},
               **say.looking_back(s, cop, w), "plan": say.action_plan(s, cop, w.today),
               "coming": say.coming_up(s, cop, w.today, policy)}
    if brief.message == "sponsor_brief":
        context["progress"] = say.targets_so_far(s, cop, w.today)
    return context


def _link(s: Session, cop: Cop, to: Recipient, context: dict[str, Any], *, now: datetime,
          policy: Policy) -> str | None:
    """Where to update the plan: a lead's CoP page; an owner's own actions; none for a sponsor (told, not asked)."""
    if to.role in {r.value for r in LEAD_ROLES}:
        return mail_link(s, email=to.email, cop=cop, purpose="cop", now=now, policy=policy)
    owns = any(g["email"] == to.email for g in context["plan"]["owners"])
    if owns and to.role != "sponsor":
        return mail_link(s, email=to.email, cop=cop, purpose="actions", now=now, policy=policy)
    return None
