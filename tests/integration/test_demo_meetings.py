"""The demo's meetings, walked through on days spread over a year (Christmas, Easter, a summer weekend…): no
invitation has an occurrence on a Saturday, a Sunday or a public holiday of the policy's region, and every
invitation names a place. Occurrences are read from the invitations themselves, as a calendar would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from icalendar import Calendar
from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.demo.plans import give_plan
from copflow.demo.rsvp import answer_invitations
from copflow.demo.walkthrough import DEMO_ACTOR, load_portfolio
from lifecycle import Policy
from tests.itip_replay import ReplayedCalendar

P = Policy()


@pytest.mark.parametrize("today", [date(2026, 12, 24), date(2027, 3, 27), date(2026, 8, 29), date(2027, 1, 1)])
def test_demo_invitations_meet_on_working_days_and_have_a_place(tmp_path, today):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    from copflow.db.migrate import upgrade

    upgrade(url)
    load_portfolio(url, today, P)
    give_plan(url, datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=10), P, DEMO_ACTOR)
    with UnitOfWork(url) as u:
        texts = [n.ics for n in u.session.scalars(select(Notification).order_by(Notification.id)) if n.ics]
    assert len(texts) > 20
    country, _, sub = P.public_holidays.partition("-")
    off = holidays.country_holidays(country, subdiv=sub, years=range(today.year - 2, today.year + 3))
    start = datetime.combine(today - timedelta(days=600), datetime.min.time(), UTC)
    for text in texts:
        cal = Calendar.from_ical(text)
        [event] = cal.walk("VEVENT")
        assert str(event.get("LOCATION", "")).strip(), event["UID"]
        if str(cal["METHOD"]) != "REQUEST":
            continue
        replay = ReplayedCalendar()
        replay.apply(text)
        zone = ZoneInfo(str(event["DTSTART"].params.get("TZID", "UTC")))
        for _, at in replay.occurrences(start, start + timedelta(days=600 + 550)):
            local = at.astimezone(zone).date()
            assert local.weekday() < 5 and local not in off, (event["UID"], local, off.get(local))


@pytest.mark.parametrize("today", [date(2026, 12, 24), date(2027, 3, 25), date(2026, 8, 28), date(2027, 1, 1)])
def test_the_demos_sweep_sends_data_and_insight_an_agenda_and_a_brief_on_any_day(tmp_path, today):
    """Christmas Eve, the Thursday before Easter, a Friday before a bank-holiday weekend, New Year's Day: the next
    meeting day is always within the demo policy's week, so the Maildir holds an agenda and a brief."""
    from dataclasses import replace

    from copflow.db.migrate import upgrade
    from copflow.services.briefs.queue import queue_briefs

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    load_portfolio(url, today, P)
    now = datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=10)
    checkin = give_plan(url, now, P, DEMO_ACTOR)
    assert checkin.date() > today and checkin.weekday() < 5
    told = answer_invitations(url, now)  # the demo's people reply as their calendars would
    assert [a.answer for a in told] == ["ACCEPTED", "ACCEPTED", "DECLINED", "DECLINED"]
    assert told[-1].leads_told == 2  # the sponsor's decline, to the coordinator and the lead
    counts = queue_briefs(UnitOfWork(url), now=now + timedelta(minutes=30),
                          policy=replace(P, agenda_days_before=7, brief_days_before=7))
    assert counts.agendas >= 3 and counts.briefs >= 3
    assert any(m.startswith("Data and Insight: core group check-in") for m in counts.meetings)
    assert any(m.startswith("Data and Insight: sponsor catch-up") for m in counts.meetings)
    with UnitOfWork(url) as u:
        agenda = u.session.scalars(select(Notification).where(Notification.kind == "checkin_agenda",
                                                              Notification.recipient == "dev.patel@uni.example.org")
                                   ).first()
        assert agenda is not None
        assert "Draft the data glossary: OVERDUE" in agenda.body_text
        assert "Who:    coming: 2 — declined: Ben Okafor\n" in agenda.body_text
        brief = u.session.scalars(select(Notification).where(Notification.kind == "sponsor_brief")).first()
        assert brief is not None and "declined: Priya Raman" in brief.body_text
        assert "Book a room for the autumn seminar (Amira Khan, done" in agenda.body_text
