"""What a split or a merge does to other CoPs, applied as the core's effects (CreateChild, MergeInto, MoveMeetings,
MoveMembers) by copflow/services/effects.py in the transition's transaction: a child CoP starts forming with some
of its parent's members; a merging CoP's members and live meeting series move to the CoP it joins."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Cop, MeetingSeries, Membership
from copflow.services import validation as v
from copflow.services.errors import AlreadyExists, InvalidInput
from copflow.services.people.roster import sync_invitations
from copflow.services.snapshots import get_cop, refresh_due
from lifecycle import Policy, Stage


def create_child(s: Session, parent: Cop, slug: str, name: str, members: tuple[str, ...], *, now: datetime,
                 today: date, policy: Policy) -> Cop:
    """A sub-community in forming, with the parent's time zone and domain, and these of its current members in
    the roles they hold there."""
    slug = v.slug(slug)
    if s.scalar(select(Cop.id).where(Cop.slug == slug)) is not None:
        raise AlreadyExists("CoP", slug)
    child = Cop(slug=slug, name=v.clean_name("name", name), timezone=parent.timezone, domain=parent.domain,
                stage=Stage.FORMING.value, stage_entered_on=today, stage_visit=1, created_at=now, parent_id=parent.id)
    s.add(child)
    s.flush()
    chosen = {v.email(e) for e in members}
    for m in parent.memberships:
        if m.left_on is None and m.person.email in chosen:
            child.memberships.append(Membership(person_id=m.person_id, role=m.role, joined_on=today))
    s.flush()
    refresh_due(s, child, today, policy)
    return child


def merge_into(s: Session, source: Cop, into: str) -> Cop:
    """The open CoP `source` merges into (never itself), which `source` now points at."""
    target = get_cop(s, into, for_write=True)
    if target.id == source.id:
        raise InvalidInput("into", "a CoP cannot merge into itself", cop=source.slug, value=into)
    source.merged_into_id = target.id
    return target


def move_meetings(s: Session, source: Cop, into: str) -> None:
    """Live series change hands, UIDs kept: the attendees' calendars keep the meetings."""
    target = get_cop(s, into, for_write=True)
    for series in s.scalars(select(MeetingSeries).where(MeetingSeries.cop_id == source.id,
                                                        MeetingSeries.status == "scheduled")):
        series.cop_id = target.id
    s.flush()


def move_members(s: Session, source: Cop, into: str, *, now: datetime, today: date, policy: Policy) -> None:
    """Current members join `into` in their roles (unless there already); its roster then decides who attends its
    live meetings, its own and those moved in."""
    target = get_cop(s, into, for_write=True)
    have = {(m.person_id, m.role) for m in target.memberships if m.left_on is None}
    for m in source.memberships:
        if m.left_on is None and (m.person_id, m.role) not in have:
            target.memberships.append(Membership(person_id=m.person_id, role=m.role, joined_on=today))
    s.flush()
    s.refresh(target)
    sync_invitations(s, target, now=now, policy=policy)
