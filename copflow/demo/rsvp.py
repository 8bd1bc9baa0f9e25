"""The demo's people answer Data and Insight's invitations as their calendars would (iMIP REPLY): two of the
core group accept the next check-in, its lead Ben Okafor declines it, and the sponsor declines the next catch-up.
Each reply goes through `apply_calendar_reply`, as one read from the programme's mailbox would, so the agenda and
the brief say who is coming and the leads hear of the sponsor's decline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from copflow.db.models import MeetingSeries
from copflow.db.uow import UnitOfWork
from copflow.demo.data import DOMAIN
from copflow.services.meetings.replies import ReplyApplied, apply_calendar_reply

SLUG = "data-insight"
ANSWERS = (("checkin", "amira.khan", "ACCEPTED"), ("checkin", "dev.patel", "ACCEPTED"),
           ("checkin", "ben.okafor", "DECLINED"),
           ("sponsor_catchup", "dir.planning", "DECLINED"))


def reply_calendar(series: MeetingSeries, email: str, answer: str, now: datetime) -> bytes:
    """A REPLY for the series' first occurrence (RECURRENCE-ID), as Outlook writes one."""
    from zoneinfo import ZoneInfo

    from icalendar import Calendar, Event, vCalAddress

    cal = Calendar()
    cal.add("PRODID", "-//copflow demo//a calendar client's reply//EN")
    cal.add("VERSION", "2.0")
    cal.add("METHOD", "REPLY")
    event = Event()
    event.add("UID", series.uid)
    event.add("SEQUENCE", series.sequence)
    event.add("DTSTAMP", now)
    event.add("RECURRENCE-ID", datetime.fromisoformat(series.starts_local).replace(tzinfo=ZoneInfo(series.tzid)))
    event.add("ORGANIZER", vCalAddress(f"mailto:{series.organizer_email}"))
    attendee = vCalAddress(f"mailto:{email}")
    attendee.params["PARTSTAT"] = answer
    event.add("ATTENDEE", attendee)
    cal.add_component(event)
    return bytes(cal.to_ical())


def answer_invitations(url: str, now: datetime) -> list[ReplyApplied]:
    uow = UnitOfWork(url)
    applied = []
    with uow:
        s = uow.session
        for kind, who, answer in ANSWERS:
            series = s.scalars(select(MeetingSeries).where(MeetingSeries.uid.like(f"{SLUG}.%"),
                                                           MeetingSeries.kind == kind,
                                                           MeetingSeries.status == "scheduled")
                               .order_by(MeetingSeries.id.desc())).first()
            if series is None:
                continue
            email = f"{who}@{DOMAIN}"
            applied.append(apply_calendar_reply(s, calendar=reply_calendar(series, email, answer, now),
                                                sender=email, now=now))
        uow.commit()
    return applied
