"""The sweep reads a meeting series for its agendas and briefs only when its next held occurrence is near
(`meeting_series.next_held_at`, indexed): each read moves it on to the next occurrence, and any change to when a
series meets brings it back to the series' start, so a move or a restore is never missed.

Data and Insight (tests/integration/helpers.py): check-ins on the second Tuesday from 13 May 2025, sponsor
catch-ups every 6 weeks on Thursday from 22 May 2025, at 12:30 in London (11:30 UTC in summer).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from copflow.db.models import MeetingSeries
from copflow.db.uow import UnitOfWork
from copflow.services.briefs.queue import queue_briefs
from copflow.services.meetings import changes as meeting_changes
from tests.integration.helpers import P, to_active

SLUG = "data-insight"


def on(day: date, hour: int = 7) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def sweep(url: str, day: date) -> tuple[int, int]:
    counts = queue_briefs(UnitOfWork(url), now=on(day), policy=P)
    return counts.agendas, counts.briefs


def next_held(url: str) -> dict[str, datetime | None]:
    """Of the check-ins and sponsor catch-ups (the CoP's review meeting is not prepared by a mail)."""
    with UnitOfWork(url) as u:
        return {uid: at for uid, at in u.session.execute(select(MeetingSeries.uid, MeetingSeries.next_held_at)
                                                         .where(MeetingSeries.kind.in_(["checkin",
                                                                                        "sponsor_catchup"])))}


CHECKIN, CATCHUP = "data-insight.checkin.1@copflow", "data-insight.sponsor_catchup.1@copflow"


@pytest.fixture
def active(db_url: str) -> str:
    to_active(db_url, SLUG)
    return db_url


def test_each_read_moves_a_series_on_to_its_next_held_occurrence(active):
    # Set up: a lower bound, the series' start.
    assert next_held(active) == {CHECKIN: datetime(2025, 5, 13, 11, 30, tzinfo=UTC),
                                 CATCHUP: datetime(2025, 5, 22, 11, 30, tzinfo=UTC)}
    assert sweep(active, date(2025, 5, 11)) == (3, 0)
    assert next_held(active)[CHECKIN] == datetime(2025, 5, 13, 11, 30, tzinfo=UTC)  # not begun yet
    assert sweep(active, date(2025, 5, 14)) == (0, 0)
    assert next_held(active) == {CHECKIN: datetime(2025, 6, 10, 11, 30, tzinfo=UTC),
                                 CATCHUP: datetime(2025, 5, 22, 11, 30, tzinfo=UTC)}
    assert sweep(active, date(2025, 5, 20)) == (0, 3)
    assert sweep(active, date(2025, 5, 23)) == (0, 0)
    assert next_held(active)[CATCHUP] == datetime(2025, 7, 3, 11, 30, tzinfo=UTC)


def test_a_series_moved_earlier_after_the_sweep_looked_ahead_still_gets_its_agenda(active):
    sweep(active, date(2025, 5, 23))  # next: the check-in on 10 June, the catch-up on 3 July
    # From 1 June the whole series moves to the first Thursday: 5 June comes before the 10 June read ahead.
    meeting_changes.reschedule(UnitOfWork(active), slug=SLUG, meeting="checkin", start=datetime(2025, 6, 5, 13),
                               now=on(date(2025, 6, 1)), policy=P)
    assert sweep(active, date(2025, 6, 3)) == (3, 0)
    assert next_held(active)[CHECKIN] == datetime(2025, 6, 5, 12, 0, tzinfo=UTC)


def test_a_cancelled_series_is_never_read_and_a_restored_one_gets_its_agendas_again(active):
    meeting_changes.cancel(UnitOfWork(active), slug=SLUG, meeting="checkin", now=on(date(2025, 5, 1)))
    assert next_held(active)[CHECKIN] is None
    assert sweep(active, date(2025, 5, 11)) == (0, 0)
    meeting_changes.restore(UnitOfWork(active), slug=SLUG, meeting="checkin", now=on(date(2025, 5, 12)), policy=P)
    assert sweep(active, date(2025, 5, 12)) == (3, 0)
