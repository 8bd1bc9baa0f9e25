"""Keeping calendars in step with the roster: a joiner is invited to the live meetings their role attends, a
leaver gets a cancellation that takes them off, and a series whose organiser leaves is handed to another lead.

Called in the same transaction as the membership change, so the roster and the invitations never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Cop, Membership, Person
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.clock import local_date
from copflow.services.errors import THE_COP, InvalidInput
from copflow.services.meetings.invitations import attendees_for, organizer_of, send_invitations
from copflow.services.meetings.kinds import KINDS
from copflow.services.meetings.organizer import organizer_address
from copflow.services.meetings.reorganise import NOW_FROM_THE_PROGRAMME, hand_over, needs_new_organiser
from copflow.services.meetings.series import live_series
from copflow.services.people.audit import record_refusal
from copflow.services.snapshots import get_cop, get_person, refresh_due
from lifecycle import Policy, Role, Stage, grants, parse_role
from lifecycle.audiences import LEAD_ROLES, MEETING_ATTENDEES
from lifecycle.grants import Acting, RoleNotYours, RosterChange

if TYPE_CHECKING:
    from notifications.ics import Party

ORGANISERS = {r.value for r in LEAD_ROLES}  # a CoP must keep one of these: they organise its meetings


def sync_invitations(s: Session, cop: Cop, *, now: datetime, policy: Policy) -> list[str]:
    """Bring every live meeting of `cop` in line with its current roster; what changed, one line each."""
    changes: list[str] = []
    # Meetings already held are left alone: a joiner is not invited to them, a leaver not uninvited.
    for series in live_series(s, cop, now):
        wanted = {p.email: p for p in attendees_for(cop, MEETING_ATTENDEES[series.kind])}
        title = KINDS[series.kind].title
        if needs_new_organiser(cop, series):
            # Organised by a lead (sent before invitations came from the programme's mailbox): sent again from it.
            organizer_of(cop)  # refuses when no coordinator or lead is left to answer for the meetings
            address = organizer_address(cop.slug)
            fresh = hand_over(s, cop, series, now=now, policy=policy,
                              reason=NOW_FROM_THE_PROGRAMME.format(address=address))
            changes.append(f"{title} ({series.uid}) cancelled and sent again as {fresh.uid} by the programme's "
                           f"mailbox {fresh.organizer_email}")
            continue
        invited = {e for e, _, _ in series.attendees}
        leavers = tuple(_party(a) for a in series.attendees
                        if a[0] not in wanted and a[0] != series.organizer_email)
        if leavers:
            # Uninvited with a CANCEL naming only them (RFC 5546); the others' copies need no change.
            series.attendees = [a for a in series.attendees if a[0] not in {p.email for p in leavers}]
            series.sequence += 1
            send_invitations(s, cop, series, method="CANCEL", now=now, only=leavers,
                             reason="you have left the community or the role that attends it")
            changes.append(f"{title} ({series.uid}): cancelled for {', '.join(p.email for p in leavers)}")
        joiners = tuple(p for e, p in wanted.items() if e not in invited)
        if joiners:
            series.attendees = [*series.attendees, *[[p.email, p.name, p.role] for p in joiners]]
            send_invitations(s, cop, series, method="REQUEST", now=now, only=joiners)
            changes.append(f"{title} ({series.uid}): invited {', '.join(p.email for p in joiners)}")
    return changes


def _party(attendee: list[str]) -> Party:
    from notifications.ics import Party

    email, name, role = attendee
    return Party(email, name, role)


@dataclass(frozen=True)
class Left:
    slug: str
    roles: list[str]
    changes: list[str]  # what happened to the meetings


def end_membership(uow: UnitOfWork, *, slug: str, email: str, now: datetime, policy: Policy, acting: Acting,
                   role: str | None = None, left_on: date | None = None) -> Left:
    """Record that someone left a CoP (every role they hold, or one): kept in the roster's history with the
    date they left, taken off the meetings they no longer attend. Only roles `acting` may remove
    (`lifecycle.grants`): a lead cannot remove the sponsor or the OD manager's contact; a refusal is audited."""
    addr = v.email(email)
    wanted_role = parse_role(role).value if role else None
    today, day = _dates(now, policy, left_on)
    with uow:
        s = uow.session
        cop = get_cop(s, slug, for_write=True)
        person = get_person(s, addr)
        held = {Role(m.role) for m in cop.memberships if m.person_id == person.id and m.left_on is None
                and (wanted_role is None or m.role == wanted_role)}
        try:
            grants.check(acting.actor, RosterChange.REMOVE, held, cop=slug)
        except RoleNotYours as exc:
            record_refusal(uow, exc, by=acting.by, subject=addr, now=now)
            raise
        left = _leave(s, cop, person, day, today, now=now, policy=policy, role=wanted_role)
        uow.commit()
        return left


def leave_organisation(uow: UnitOfWork, *, email: str, now: datetime, policy: Policy,
                       left_on: date | None = None) -> list[Left]:
    """Someone leaves the organisation: every CoP they are in (closed ones keep their record as it was), in one
    transaction, so a CoP that would lose its last coordinator or lead stops the whole change. The OD manager's
    command only (the CLI's `person leave`): no lead's link reaches it."""
    addr = v.email(email)
    today, day = _dates(now, policy, left_on)
    with uow:
        s = uow.session
        person = get_person(s, addr)
        cops = list(s.scalars(select(Cop).join(Membership).where(Membership.person_id == person.id,
                                                                 Membership.left_on.is_(None),
                                                                 Cop.stage != Stage.CLOSED.value)
                              .distinct().order_by(Cop.slug)))
        if not cops:
            raise InvalidInput("email", f"{addr} is not a member of any open CoP")
        done = [_leave(s, get_cop(s, cop.slug, for_write=True), person, day, today, now=now, policy=policy)
                for cop in cops]
        uow.commit()
        return done


def _dates(now: datetime, policy: Policy, left_on: date | None) -> tuple[date, date]:
    today = local_date(now, policy)
    day = left_on or today
    if day > today:
        raise InvalidInput("left_on", f"{day} is in the future")
    return today, day


def _leave(s: Session, cop: Cop, person: Person, day: date, today: date, *, now: datetime, policy: Policy,
           role: str | None = None) -> Left:
    held: list[Membership] = [m for m in cop.memberships if m.person_id == person.id and m.left_on is None
                              and (role is None or m.role == role)]
    if not held:
        what = f"a {role} of" if role else "a member of"
        raise InvalidInput("email", f"{person.email} is not {what} {THE_COP}", cop=cop.slug, cop_name=cop.name)
    for m in held:
        if day < m.joined_on:
            raise InvalidInput("left_on", f"{day} is before {person.email} joined {THE_COP} ({m.joined_on})",
                               cop=cop.slug, cop_name=cop.name)
        m.left_on = day
    organised = any(m.role in ORGANISERS for m in held)
    if organised and not any(m.left_on is None and m.role in ORGANISERS for m in cop.memberships):
        raise InvalidInput("email", f"{person.email} is the last coordinator or lead of {THE_COP}: "
                                    "give someone else that role first", cop=cop.slug, cop_name=cop.name)
    s.flush()
    changes = sync_invitations(s, cop, now=now, policy=policy)
    refresh_due(s, cop, today, policy)
    return Left(cop.slug, sorted(m.role for m in held), changes)
