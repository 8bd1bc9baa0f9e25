"""Working days, holidays and places: series meet on the policy's days, skip holidays (EXDATE, and the
invitation says so), every invitation has a place; `cop set` and moves from a date on; meetings by kind."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from copflow.db.models import MeetingSeries, Notification
from copflow.db.uow import UnitOfWork
from copflow.services.errors import InvalidInput
from copflow.services.meetings.changes import cancel, list_series, reschedule
from copflow.services.meetings.series import schedule
from copflow.services.meetings.settings import set_cop_meetings
from copflow.services.people import members
from copflow.services.snapshots import get_cop
from tests.acting import OD
from tests.integration.helpers import D, P, at, proposed, to_active
from tests.interop.icaljs import read_with_icaljs
from tests.itip_replay import ReplayedCalendar

SLUG = "data-insight"
NOW = datetime(2026, 2, 20, 9, 0, tzinfo=UTC)


def mails(url: str, to: str) -> list[Notification]:
    with UnitOfWork(url) as u:
        rows = list(u.session.scalars(select(Notification).where(Notification.recipient == to,
                                                                 Notification.ics.is_not(None))
                                      .order_by(Notification.id)))
        for r in rows:
            u.session.expunge(r)
        return rows


def replay(url: str, to: str) -> ReplayedCalendar:
    cal = ReplayedCalendar()
    for m in mails(url, to):
        cal.apply(m.ics or "")
    return cal


def test_a_series_skips_public_holidays_and_closure_days_and_says_so(db_url):
    proposed(db_url)
    policy = replace(P, closure_dates=("2026-06-01",), meeting_place="Room 2.14, Library")
    with UnitOfWork(db_url) as u:
        cop = get_cop(u.session, SLUG, for_write=True)
        series = schedule(u.session, cop, "checkin", datetime(2026, 3, 2, 12, 30), now=NOW, policy=policy)
        u.commit()
        skipped = series.skipped_occurrences
    # First Mondays: Easter Monday (6 April), May Day (4 May), a closure day (1 June) are left out.
    assert skipped[:3] == [["2026-04-06T12:30", "Easter Monday"], ["2026-05-04T12:30", "May Day"],
                           ["2026-06-01T12:30", "a closure day"]]
    invitation = mails(db_url, f"cat@{D}")[0]
    assert "Monday 6 April 2026 (Easter Monday)" in invitation.body_text
    assert "Monday 6 April 2026 (Easter Monday)" in (invitation.body_html or "")
    [event] = read_with_icaljs([invitation.ics or ""], 5)[0]["events"]
    assert [o[:10] for o in event["occurrences"]] == ["2026-03-02", "2026-07-06", "2026-08-03", "2026-09-07",
                                                       "2026-10-05"]
    assert event["location"] == "Room 2.14, Library"


def test_a_meeting_on_a_weekend_or_holiday_is_refused(db_url):
    proposed(db_url)
    with UnitOfWork(db_url) as u:
        cop = get_cop(u.session, SLUG, for_write=True)
        with pytest.raises(InvalidInput, match="is a Saturday: no meetings are held then"):
            schedule(u.session, cop, "launch", datetime(2026, 3, 7, 12, 30), now=NOW, policy=P)
        with pytest.raises(InvalidInput, match="is Christmas Day"):
            schedule(u.session, cop, "launch", datetime(2026, 12, 25, 12, 30), now=NOW, policy=P)


def test_copflow_schedules_its_own_series_on_the_policys_working_days_with_the_cops_place(db_url):
    from copflow.services import cops

    policy = replace(P, checkin_day="last Thursday", sponsor_catchup_weekday="Wednesday")
    proposed(db_url)
    with UnitOfWork(db_url) as u:
        get_cop(u.session, SLUG, for_write=True).meeting_place = "https://teams.example.org/l/meetup/abc"
        u.commit()
    assert cops  # the CoP's place is what `cop create --place` or `cop set --place` stores
    to_active_with(db_url, policy)
    with UnitOfWork(db_url) as u:
        series = {s.kind: s for s in u.session.scalars(select(MeetingSeries))}
    assert series["checkin"].rrule == "FREQ=MONTHLY;INTERVAL=1;BYDAY=-1TH"
    assert series["sponsor_catchup"].rrule == "FREQ=WEEKLY;INTERVAL=6;BYDAY=WE"
    for s in series.values():
        assert s.location == "https://teams.example.org/l/meetup/abc"
        assert datetime.fromisoformat(s.starts_local).weekday() < 5


def to_active_with(url: str, policy) -> None:  # type: ignore[no-untyped-def]
    from copflow.services import gates

    def rec(gate: str, day: int, **fields: object) -> None:
        gates.record_evidence(UnitOfWork(url), slug=SLUG, gate=gate, payload=dict(fields), by=f"odm@{D}",
                              now=at(day), policy=policy)

    def adv(day: int) -> None:
        gates.advance(UnitOfWork(url), slug=SLUG, by=f"odm@{D}", now=at(day), policy=policy)

    rec("core_group_formed", 10, domain="Data", formed_on="2025-01-15")
    adv(10)
    rec("sponsor_meeting_done", 30, held_on="2025-02-04", sponsor_attended="yes", notes="ok")
    rec("charter_published", 60, version="1.0", purpose="p", aims=["a"], annual_targets=["1 seminar"],
        review_dates=["2026-03-01"], link="https://x.org/c", published_on="2025-03-06")
    adv(60)
    rec("launch_held", 90, held_on="2025-04-04", attendance="42", feedback="f")
    adv(90)


def test_review_on_a_sunday_lands_on_the_next_working_day(db_url):
    proposed(db_url)
    to_active_with(db_url, P)  # the charter's review date, 1 March 2026, is a Sunday
    with UnitOfWork(db_url) as u:
        review = u.session.scalar(select(MeetingSeries).where(MeetingSeries.kind == "review"))
        assert review is not None and review.starts_local == "2026-03-02T12:30"


def test_cop_set_moves_live_series_with_one_update_per_attendee(db_url):
    to_active(db_url)
    before = {m.id for m in mails(db_url, f"bob@{D}")}
    done = set_cop_meetings(UnitOfWork(db_url), slug=SLUG, now=at(100), policy=P, timezone="Europe/Dublin",
                            place="Room 9", at="13:15", weekday="Wednesday")
    assert done.timezone == "Europe/Dublin" and done.place == "Room 9" and done.weekday == "Wednesday"
    new = [m for m in mails(db_url, f"bob@{D}") if m.id not in before]
    uids = [m.ics.split("UID:")[1].split("\r\n")[0] for m in new if m.ics]
    assert len(uids) == len(set(uids)) == 3  # check-in, catch-up, review: one update each, not one per field
    with UnitOfWork(db_url) as u:
        checkin = u.session.scalar(select(MeetingSeries).where(MeetingSeries.kind == "checkin"))
        assert checkin is not None
        assert (checkin.tzid, checkin.location, checkin.rrule) == ("Europe/Dublin", "Room 9",
                                                                   "FREQ=MONTHLY;INTERVAL=1;BYDAY=2WE")
        assert checkin.starts_local.endswith("T13:15") and checkin.sequence == 1
    parsed = read_with_icaljs([m.ics or "" for m in new], 2)
    assert {p["events"][0]["location"] for p in parsed} == {"Room 9"}
    assert all(p["events"][0]["tzid"] == "Europe/Dublin" for p in parsed)


def test_cop_set_refuses_bad_settings_and_changes_nothing(db_url):
    to_active(db_url)
    for kw, match in (({"weekday": "Saturday"}, "not one of the working days"),
                      ({"weekday": "Caturday"}, "not a weekday"), ({"at": "25:00"}, "not a time of day"),
                      ({"public_holidays": "XX-YY"}, "holidays package"), ({}, "nothing to change"),
                      ({"timezone": "EST"}, "not a place")):
        with pytest.raises(InvalidInput, match=match):
            set_cop_meetings(UnitOfWork(db_url), slug=SLUG, now=at(100), policy=P, **kw)  # type: ignore[arg-type]
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(MeetingSeries.sequence).where(MeetingSeries.kind == "checkin")) == 0


def test_move_from_a_date_on_ends_the_old_series_and_keeps_cancellations(db_url):
    to_active(db_url)  # check-ins on second Tuesdays from 13 May 2025
    cancel(UnitOfWork(db_url), slug=SLUG, meeting="checkin", now=at(100), occurrence=date(2025, 9, 9))
    done = reschedule(UnitOfWork(db_url), slug=SLUG, meeting="checkin", start=time(13, 0), now=at(101), policy=P,
                      from_day=date(2025, 8, 1))
    assert done.uid == f"{SLUG}.checkin.2@copflow" and done.starts == "2025-08-12T13:00"
    rows = {r.uid: asdict(r) for r in list_series(UnitOfWork(db_url), SLUG, now=at(101))}
    old, new = rows[f"{SLUG}.checkin.1@copflow"], rows[done.uid]
    assert old["repeats"] == "every month on the second Tuesday, until 8 July 2025"
    assert new["cancelled_occurrences"] == ["2025-09-09T13:00"] and old["cancelled_occurrences"] == []
    assert new["next"] == "2025-08-12T13:00" and new["status"] == "scheduled"
    # By kind, the check-in is now the new series; a joiner then sees what an existing member sees.
    cancel(UnitOfWork(db_url), slug=SLUG, meeting="checkin", now=at(102), occurrence=date(2025, 10, 14))
    members.add_person(UnitOfWork(db_url), email=f"eve@{D}", name="Eve Stone", now=at(103))
    members.add_member(UnitOfWork(db_url), slug=SLUG, email=f"eve@{D}", role="core", now=at(103), policy=P, acting=OD)
    window = (at(103), datetime(2027, 1, 1, tzinfo=UTC))
    eve, cat = replay(db_url, f"eve@{D}").occurrences(*window), replay(db_url, f"cat@{D}").occurrences(*window)
    assert eve == cat and len(eve) > 10
    days = sorted(t.date() for _, t in eve)
    assert date(2025, 9, 9) not in days and date(2025, 10, 14) not in days and date(2025, 11, 11) in days
    read_with_icaljs([m.ics or "" for m in mails(db_url, f"eve@{D}")], 3)


def test_meetings_are_addressed_by_kind(db_url):
    to_active(db_url)
    done = reschedule(UnitOfWork(db_url), slug=SLUG, meeting="sponsor-catchup", start=time(9, 30), now=at(100),
                      policy=P)
    assert done.uid == f"{SLUG}.sponsor_catchup.1@copflow" and done.starts.endswith("T09:30")
    with pytest.raises(InvalidInput, match="unknown meeting kind"):
        cancel(UnitOfWork(db_url), slug=SLUG, meeting="standup", now=at(100))
