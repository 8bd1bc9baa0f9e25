"""Calendar feeds: a CoP's public feed (its public meetings, for anyone) and a person's private feed (every meeting
they attend, with its join link).

A feed tells the truth to a client that revalidates by date as to one that revalidates by tag: its Last-Modified is
the newest change to anything in it (a meeting scheduled, moved, cancelled, restored, or the CoP closed), and its
ETag a hash of its text. A meeting cancelled within the notice period stays in the feed as STATUS:CANCELLED, so a
subscribed calendar removes it; a closed CoP's feed answers so for the notice period after closing, then is gone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from copflow.db.models import Cop, MeetingSeries, Membership, Person
from copflow.db.uow import UnitOfWork
from copflow.services.errors import NotFound
from copflow.services.links.signed import Grant
from copflow.services.meetings.kinds import PUBLIC, public_place
from copflow.services.snapshots import get_cop
from lifecycle import Policy

OPEN_STAGES = ("forming", "planning", "launching", "active", "reviewing", "closing")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Feed:
    text: str
    etag: str
    last_modified: datetime


class FeedGone(NotFound):
    """A closed CoP's feed after the notice period: 410 Gone, so subscribed calendars drop it."""


def closed_at(cop: Cop) -> datetime | None:
    """When a CoP closed (None while it is open)."""
    if cop.stage in OPEN_STAGES:
        return None
    return cop.closed_at or datetime.combine(cop.stage_entered_on, time(), UTC)


def _changed(series: MeetingSeries) -> datetime:
    return series.changed_at or series.created_at


def cop_feed(uow: UnitOfWork, *, slug: str, now: datetime, policy: Policy) -> Feed:
    """The public feed of one CoP: its public meetings, without attendee, organiser or join link. A closed CoP's
    answers for the notice period with every event cancelled, then raises FeedGone."""
    notice = timedelta(weeks=policy.notice_period_weeks)
    with uow:
        s = uow.session
        cop = get_cop(s, slug)
        closed = closed_at(cop)
        if closed is not None and now >= closed + notice:
            raise FeedGone("CoP feed", slug)
        series = s.scalars(select(MeetingSeries).where(MeetingSeries.cop_id == cop.id,
                                                       MeetingSeries.visibility == PUBLIC)
                           .order_by(MeetingSeries.id)).all()
        shown = [(m, cop) for m in series if closed is not None or m.status == "scheduled"
                 or _changed(m) >= now - notice]
        changed = max([cop.created_at, *(_changed(m) for m in series), *([closed] if closed else [])])
        return _feed(f"{cop.name} (CoP)", shown, changed, now, public=True, all_cancelled=closed is not None)


def person_feed(uow: UnitOfWork, grant: Grant, *, now: datetime, policy: Policy) -> Feed:
    """A person's private feed: the meetings they are invited to, in every CoP they belong to (public and private,
    with their join links); those cancelled, or of a CoP closed, within the notice period as cancelled."""
    notice = timedelta(weeks=policy.notice_period_weeks)
    with uow:
        s = uow.session
        rows = s.execute(select(MeetingSeries, Cop).join(Cop, Cop.id == MeetingSeries.cop_id)
                         .join(Membership, Membership.cop_id == Cop.id).join(Person, Person.id == Membership.person_id)
                         .where(Person.email == grant.email)
                         .order_by(MeetingSeries.id)).unique().all()
        # Everything in their CoPs counts toward Last-Modified: a meeting they were taken off is a change too.
        changed = max([EARLIEST, *(_changed(m) for m, _ in rows),
                       *(c for c in (closed_at(cop) for _, cop in rows) if c is not None)])
        mine = []
        cancelled: set[str] = set()
        for m, cop in rows:
            closed = closed_at(cop)
            if not any(a[0] == grant.email for a in m.attendees) or (closed and now >= closed + notice):
                continue
            if closed or m.status != "scheduled":
                if _changed(m) < now - notice and not closed:
                    continue
                cancelled.add(m.uid)
            mine.append((m, cop))
        return _feed("My CoP meetings", mine, changed, now, public=False, cancelled=frozenset(cancelled))


def _feed(name: str, series: list[tuple[MeetingSeries, Cop]], changed: datetime, now: datetime, *, public: bool,
          all_cancelled: bool = False, cancelled: frozenset[str] = frozenset()) -> Feed:
    from copflow.services.meetings.invitations import meeting_of
    from notifications.feeds import feed_text

    meetings = []
    for m, c in series:
        meeting = replace(meeting_of(m, c), attendees=())
        if public:  # a room may be named; a join link or an address never
            meeting = replace(meeting, location=public_place(m.location) or None, url=None)
        meetings.append(meeting)
    gone = frozenset(m.uid for m, _ in series if all_cancelled or m.status != "scheduled") | cancelled
    last = min(changed, now).replace(microsecond=0)
    text = feed_text(name, meetings, dtstamp=last, cancelled=gone)
    etag = '"' + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + '"'
    return Feed(text, etag, last)
