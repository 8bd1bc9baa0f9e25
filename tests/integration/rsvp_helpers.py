"""Replies to a CoP's invitations built by ical.js from the invitations copflow queued, applied through
`apply_calendar_reply` (used by the RSVP tests)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from copflow.db.models import MeetingSeries, Notification
from copflow.db.uow import UnitOfWork
from copflow.services.meetings.replies import ReplyApplied, apply_calendar_reply
from tests.integration.helpers import D
from tests.interop.icaljs import replies_with_icaljs

PROGRAMME = "cop@uni.example.org"


def series_of(url: str, kind: str) -> MeetingSeries:
    with UnitOfWork(url) as u:
        found = u.session.scalars(select(MeetingSeries).where(MeetingSeries.kind == kind,
                                                              MeetingSeries.status == "scheduled")).one()
        u.session.expunge(found)
        return found


def invitation(url: str, uid: str, who: str) -> str:
    """The latest REQUEST `who` was sent for `uid`, as queued."""
    with UnitOfWork(url) as u:
        rows = u.session.scalars(select(Notification).where(Notification.kind == "invitation",
                                                            Notification.recipient == f"{who}@{D}")
                                 .order_by(Notification.id)).all()
        texts = [r.ics for r in rows if r.ics and f"UID:{uid}" in r.ics]
    assert texts, f"no invitation of {uid} for {who}"
    return texts[-1]


def reply(url: str, kind: str, who: str, partstat: str | None = "ACCEPTED", **ask: str) -> bytes:
    series = series_of(url, kind)
    [text] = replies_with_icaljs([{"invitation": invitation(url, series.uid, who), "attendee": f"{who}@{D}",
                                   **({"partstat": partstat} if partstat else {}), **ask}])
    return text


def apply(url: str, calendar: bytes, who: str, now: datetime) -> ReplyApplied:
    with UnitOfWork(url) as u:
        applied = apply_calendar_reply(u.session, calendar=calendar, sender=f"{who}@{D}", now=now)
        u.commit()
        return applied
