"""A review meeting never shares a day with the CoP's check-in or sponsor catch-up: copflow places it on the next
working day that is free, whichever was scheduled first (the demo's Data and Insight had both on 8 December at
12:30)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from copflow.db.models import MeetingSeries, Notification
from copflow.db.uow import UnitOfWork
from copflow.services.meetings.clashes import meeting_dates
from copflow.services.reviews.decide import decide_review
from tests.integration.helpers import D, P, advance, at, record, to_planning
from tests.integration.test_reviews import under_review

CHARTER = {"version": "1.0", "purpose": "share practice", "aims": ["learn together"],
           "annual_targets": ["1 seminar", "2 blog posts"], "link": "https://x.org/c"}


def _series(url: str, kind: str) -> list[MeetingSeries]:
    with UnitOfWork(url) as u:
        found = list(u.session.scalars(select(MeetingSeries).where(MeetingSeries.kind == kind,
                                                                   MeetingSeries.status == "scheduled")
                                       .order_by(MeetingSeries.id)))
        u.session.expunge_all()
        return found


def test_a_review_sent_before_the_launch_moves_off_the_first_check_ins_day(db_url):
    to_planning(db_url)
    record(db_url, "data-insight", "sponsor_meeting_done", 30, held_on="2025-02-04", sponsor_attended="yes",
           notes="scope agreed")
    # 10 March 2026 is a second Tuesday: a check-in day once the CoP launches (monthly, 12:30).
    record(db_url, "data-insight", "charter_published", 60, **CHARTER, review_dates=["2026-03-10"],
           published_on="2025-03-06")
    advance(db_url, "data-insight", 60)
    [review] = _series(db_url, "review")
    assert review.starts_local == "2026-03-10T12:30" and review.sequence == 0  # no check-ins yet: the day stands
    record(db_url, "data-insight", "launch_held", 90, held_on="2025-04-04", attendance="42", feedback="keen")
    advance(db_url, "data-insight", 90)
    checkins = _series(db_url, "checkin") + _series(db_url, "sponsor_catchup")
    assert date(2026, 3, 10) in meeting_dates(checkins, date(2026, 12, 31))
    [review] = _series(db_url, "review")
    assert review.starts_local == "2026-03-11T12:30" and review.sequence == 1  # Wednesday: the next free day
    assert date(2026, 3, 11) not in meeting_dates(checkins, date(2026, 12, 31))
    with UnitOfWork(db_url) as u:  # its attendees get the update, same UID
        updates = list(u.session.scalars(select(Notification.recipient).where(
            Notification.idempotency_key.like(f"{review.uid}/1/REQUEST/%"))))
    assert sorted(updates) == sorted(f"{w}@{D}" for w in ("ann", "bob", "cat", "dir", "odm"))


def test_a_review_scheduled_while_check_ins_run_takes_the_next_free_working_day(db_url):
    under_review(db_url)  # active since 4 April 2025: check-ins on second Tuesdays, catch-ups on Thursdays
    decide_review(UnitOfWork(db_url), slug="data-insight", decision="evolve", decided_by=f"odm@{D}",
                  reason="new aims, as the review found", now=at(425), policy=P, kind="renew")
    record(db_url, "data-insight", "sponsor_meeting_done", 430, held_on="2026-03-11", sponsor_attended="yes",
           notes="new aims agreed")
    record(db_url, "data-insight", "charter_published", 440, **{**CHARTER, "version": "2.0"},
           review_dates=["2027-03-09"], published_on="2026-03-21")  # 9 March 2027: a second Tuesday
    advance(db_url, "data-insight", 440)
    checkins = _series(db_url, "checkin")
    assert date(2027, 3, 9) in meeting_dates(checkins, date(2027, 12, 31))
    [review] = [r for r in _series(db_url, "review") if r.starts_local.startswith("2027")]
    assert review.starts_local == "2027-03-10T12:30" and review.sequence == 0  # placed free from the start


def test_the_demos_review_meetings_share_no_day_with_a_check_in_or_catch_up(tmp_path):
    """The demo as run on 1 December 2026, where Data and Insight's review and check-in were both on 8 December."""
    from copflow.db.migrate import upgrade
    from copflow.demo.walkthrough import load_portfolio

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    load_portfolio(url, date(2026, 12, 1), P)
    reviews = _series(url, "review")
    assert reviews
    recurring = _series(url, "checkin") + _series(url, "sponsor_catchup")
    for review in reviews:
        theirs = [m for m in recurring if m.cop_id == review.cop_id]
        day = date.fromisoformat(review.starts_local[:10])
        assert day not in meeting_dates(theirs, day), (review.uid, review.starts_local)
