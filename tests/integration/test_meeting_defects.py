"""One regression test per defect of "Meetings people can attend" (issue 13), numbered as the issue numbers
them. Invitations are read from the outbox and, where a calendar's reading matters, back through ical.js."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from copflow.db.models import MeetingSeries, Notification
from copflow.db.uow import UnitOfWork
from copflow.services import cops, gates
from copflow.services.errors import InvalidInput
from copflow.services.meetings.changes import cancel, reschedule, restore
from copflow.services.meetings.series import schedule
from copflow.services.people import members
from copflow.services.snapshots import get_cop
from notifications.vtimezone import vtimezone_text
from tests.acting import OD
from tests.integration.helpers import D, P, at, proposed, to_active, to_launching
from tests.interop.icaljs import read_with_icaljs

SLUG = "data-insight"
EVERY_DAY = replace(P, working_days=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
                    public_holidays="")


def checkin(url: str) -> MeetingSeries:
    with UnitOfWork(url) as u:
        series = u.session.scalar(select(MeetingSeries).where(MeetingSeries.kind == "checkin",
                                                              MeetingSeries.status == "scheduled")
                                  .order_by(MeetingSeries.id.desc()))
        assert series is not None
        u.session.expunge(series)
        return series


def sent(url: str, to: str, uid: str | None = None) -> list[Notification]:
    with UnitOfWork(url) as u:
        rows = list(u.session.scalars(select(Notification).where(Notification.recipient == to,
                                                                 Notification.ics.is_not(None))
                                      .order_by(Notification.id)))
        for r in rows:
            u.session.expunge(r)
    return [r for r in rows if uid is None or f"UID:{uid}" in (r.ics or "")]


def schedule_at(url: str, kind: str, start: datetime, policy=P, now=None):  # type: ignore[no-untyped-def]
    with UnitOfWork(url) as u:
        cop = get_cop(u.session, SLUG, for_write=True)
        series = schedule(u.session, cop, kind, start, now=now or at(95), policy=policy)
        u.commit()
        return series.uid


def test_1_a_cancelled_occurrence_stays_cancelled_when_the_series_moves(db_url):
    to_active(db_url)
    uid = checkin(db_url).uid  # second Tuesdays from 13 May 2025, 12:30
    cancel(UnitOfWork(db_url), slug=SLUG, meeting=uid, now=at(100), occurrence=datetime(2025, 7, 8, 12, 30))
    reschedule(UnitOfWork(db_url), slug=SLUG, meeting=uid, start=time(13, 0), now=at(101), policy=P)
    latest = sent(db_url, f"bob@{D}", uid)[-1].ics or ""
    assert "EXDATE;TZID=Europe/London:20250708T130000" in latest and "20250708T123000" not in latest
    [event] = read_with_icaljs([latest], 4)[0]["events"]
    assert event["occurrences"] == ["2025-05-13T12:00:00.000Z", "2025-06-10T12:00:00.000Z",
                                    "2025-08-12T12:00:00.000Z", "2025-09-09T12:00:00.000Z"]


def test_2_a_monthly_series_from_the_31st_meets_every_month(db_url):
    to_launching(db_url)
    uid = schedule_at(db_url, "checkin", datetime(2026, 3, 31, 12, 30))  # a Tuesday: the last one of March
    [event] = read_with_icaljs([sent(db_url, f"cat@{D}", uid)[0].ics or ""], 12)[0]["events"]
    months = [o[:7] for o in event["occurrences"]]
    assert months == ["2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10",
                      "2026-11", "2026-12", "2027-01", "2027-02"]
    assert "RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=-1TU" in (sent(db_url, f"cat@{D}", uid)[0].ics or "")


def test_3_cancelling_a_date_the_series_does_not_meet_on_is_refused(db_url):
    to_active(db_url)
    uid = checkin(db_url).uid
    before = len(sent(db_url, f"bob@{D}"))
    with pytest.raises(InvalidInput, match="does not meet on 2025-07-09"):
        cancel(UnitOfWork(db_url), slug=SLUG, meeting=uid, now=at(100), occurrence=date(2025, 7, 9))
    with pytest.raises(InvalidInput, match="does not meet on 2025-07-08 13:00"):
        cancel(UnitOfWork(db_url), slug=SLUG, meeting=uid, now=at(100), occurrence=datetime(2025, 7, 8, 13, 0))
    assert checkin(db_url).cancelled_occurrences == [] and len(sent(db_url, f"bob@{D}")) == before


def test_4_an_occurrence_named_by_its_date_is_the_series_occurrence_that_day(db_url):
    from copflow.cli.meetings import _occurrence

    assert _occurrence("2026-12-03") == date(2026, 12, 3)  # not midnight
    to_active(db_url)
    uid = checkin(db_url).uid
    cancel(UnitOfWork(db_url), slug=SLUG, meeting=uid, now=at(100), occurrence=date(2025, 7, 8))
    assert checkin(db_url).cancelled_occurrences == ["2025-07-08T12:30"]
    assert "RECURRENCE-ID;TZID=Europe/London:20250708T123000" in (sent(db_url, f"bob@{D}", uid)[-1].ics or "")


def test_5_cancelling_an_occurrence_twice_sends_and_stores_it_once(db_url):
    to_active(db_url)
    uid = checkin(db_url).uid
    first = cancel(UnitOfWork(db_url), slug=SLUG, meeting=uid, now=at(100), occurrence=date(2025, 7, 8))
    again = cancel(UnitOfWork(db_url), slug=SLUG, meeting=uid, now=at(101), occurrence=date(2025, 7, 8))
    assert first.queued == 3 and again.queued == 0 and again.sequence == first.sequence
    assert "already cancelled" in again.said
    assert checkin(db_url).cancelled_occurrences == ["2025-07-08T12:30"]


def test_6_a_cancelled_series_is_not_brought_back_by_a_move_only_by_restore(db_url):
    to_active(db_url)
    uid = checkin(db_url).uid
    cancel(UnitOfWork(db_url), slug=SLUG, meeting=uid, now=at(100))
    with pytest.raises(InvalidInput, match="is cancelled: `copflow meeting restore"):
        reschedule(UnitOfWork(db_url), slug=SLUG, meeting=uid, start=time(13, 0), now=at(101), policy=P)
    done = restore(UnitOfWork(db_url), slug=SLUG, meeting="checkin", now=at(102), policy=P)
    assert done.uid == uid and done.queued == 3 and "restored" in done.said
    restored = sent(db_url, f"bob@{D}", uid)[-1].ics or ""
    assert "METHOD:REQUEST" in restored and "STATUS:CONFIRMED" in restored
    again = cancel(UnitOfWork(db_url), slug=SLUG, meeting="checkin", now=at(103))
    assert again.queued == 3 and "METHOD:CANCEL" in (sent(db_url, f"bob@{D}", uid)[-1].ics or "")


def test_7_an_occurrence_of_a_single_meeting_is_refused(db_url):
    to_active(db_url)
    with UnitOfWork(db_url) as u:
        review = u.session.scalar(select(MeetingSeries).where(MeetingSeries.kind == "review"))
        assert review is not None
        uid, start = review.uid, datetime.fromisoformat(review.starts_local)
    with pytest.raises(InvalidInput, match="is a single meeting, not a series"):
        cancel(UnitOfWork(db_url), slug=SLUG, meeting=uid, now=at(100), occurrence=start)
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(MeetingSeries.status).where(MeetingSeries.uid == uid)) == "scheduled"


@pytest.mark.parametrize(("when", "why"), [(datetime(2026, 3, 29, 1, 30), "does not exist in Europe/London"),
                                          (datetime(2026, 10, 25, 1, 30), "happens twice in Europe/London")])
def test_8_a_local_time_that_does_not_exist_or_happens_twice_is_refused(db_url, when, why):
    to_launching(db_url)
    with pytest.raises(InvalidInput, match=why):
        schedule_at(db_url, "launch", when, policy=EVERY_DAY)
    with pytest.raises(InvalidInput, match=why):  # a series that meets on that night later on, too
        schedule_at(db_url, "sponsor_catchup", when.replace(day=when.day - 21), policy=replace(
            EVERY_DAY, sponsor_catchup_every_weeks=1))


@pytest.mark.parametrize("zone", ["EST", "CET", "Etc/GMT+5", "EST5EDT"])
def test_9_an_abbreviation_or_fixed_offset_is_not_a_time_zone(db_url, zone):
    with pytest.raises(InvalidInput, match="not a place"):
        cops.propose_cop(UnitOfWork(db_url), slug="x-cop", name="X", now=at(0), policy=P, timezone=zone)
    cops.propose_cop(UnitOfWork(db_url), slug="ny-cop", name="NY", now=at(0), policy=P, timezone="America/New_York")


def test_10_today_is_the_cops_date(db_url):
    proposed(db_url)
    sydney = "syd-cop"
    cops.propose_cop(UnitOfWork(db_url), slug=sydney, name="Sydney", now=at(0), policy=P, timezone="Australia/Sydney")
    now = datetime(2026, 1, 8, 23, 30, tzinfo=UTC)  # 10:30 on 9 January in Sydney, 8 January in London
    gates.record_evidence(UnitOfWork(db_url), slug=sydney, gate="core_group_formed", by=f"odm@{D}", now=now,
                          policy=P, payload={"domain": "Research data", "formed_on": "2026-01-09"})
    with pytest.raises(Exception, match="in the future"):  # London's CoP: still 8 January there
        gates.record_evidence(UnitOfWork(db_url), slug=SLUG, gate="core_group_formed", by=f"odm@{D}", now=now,
                              policy=P, payload={"domain": "Data", "formed_on": "2026-01-09"})


def test_11_roster_changes_leave_meetings_already_held_alone(db_url):
    to_launching(db_url)
    meeting = schedule_at(db_url, "sponsor_meeting", datetime(2025, 3, 11, 12, 30), now=at(60))
    members.add_person(UnitOfWork(db_url), email=f"eve@{D}", name="Eve Stone", now=at(70))
    members.add_member(UnitOfWork(db_url), slug=SLUG, email=f"eve@{D}", role="core", now=at(70), policy=P, acting=OD)
    assert sent(db_url, f"eve@{D}", meeting) == []  # held on 11 March, before she joined on 17 March
    from copflow.services.people.roster import end_membership

    end_membership(UnitOfWork(db_url), slug=SLUG, email=f"cat@{D}", now=at(70), policy=P, acting=OD)
    assert [n.ics_method for n in sent(db_url, f"cat@{D}", meeting)] == ["REQUEST"]  # no CANCEL for a past meeting


def test_12_a_second_live_series_of_the_same_kind_is_refused(db_url):
    to_active(db_url)
    with pytest.raises(InvalidInput, match="already has a core group check-in series"):
        schedule_at(db_url, "checkin", datetime(2025, 6, 17, 12, 30))


def test_13_dublin_writes_summer_as_daylight_ist_and_winter_as_standard_gmt():
    text = vtimezone_text("Europe/Dublin", 2026)
    daylight = text.split("BEGIN:DAYLIGHT")[1].split("END:DAYLIGHT")[0]
    standard = text.split("BEGIN:STANDARD")[1].split("END:STANDARD")[0]
    assert "TZNAME:IST" in daylight and "TZOFFSETFROM:+0000" in daylight and "TZOFFSETTO:+0100" in daylight
    assert "BYMONTH=3" in daylight
    assert "TZNAME:GMT" in standard and "TZOFFSETFROM:+0100" in standard and "TZOFFSETTO:+0000" in standard
    assert "BYMONTH=10" in standard
