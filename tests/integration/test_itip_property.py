"""The iTIP replay property: whatever people do to a CoP's meetings, every attendee's calendar — rebuilt from the
invitations they received, applied in order as RFC 5546 says (tests/itip_replay.py) — holds exactly the
occurrences copflow's records say they attend, each on a working day that is not a holiday, at the series'
wall-clock time; and ical.js reads every invitation sent. COPFLOW_PROPERTY_EXAMPLES sets the examples per
database (default 100: two hundred per CI run over SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import os
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from copflow.db.models import Cop, MeetingSeries, Notification
from copflow.db.uow import UnitOfWork
from copflow.services import cops
from copflow.services.errors import CopflowError
from copflow.services.meetings.changes import cancel, reschedule
from copflow.services.meetings.series import find_series, schedule
from copflow.services.meetings.settings import set_cop_meetings
from copflow.services.people import members
from copflow.services.people.roster import end_membership
from copflow.services.snapshots import get_cop
from copflow.services.workdays import working_days_of
from lifecycle import Policy
from tests.acting import OD
from tests.integration.helpers import D
from tests.interop.icaljs import read_with_icaljs
from tests.itip_replay import ReplayedCalendar, expand

P = replace(Policy(), closure_dates=("2026-12-29", "2026-12-30", "2026-12-31"))
ZONES = ["Europe/London", "Europe/Dublin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
KIND = st.sampled_from(["checkin", "sponsor_catchup", "review"])
HOUR = st.sampled_from([9, 12, 16])
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
WINDOW = timedelta(days=548)  # the next 18 months
EXAMPLES = int(os.environ.get("COPFLOW_PROPERTY_EXAMPLES", "100"))
_numbers = itertools.count()

OPS = st.one_of(
    st.tuples(st.just("schedule"), KIND, st.integers(0, 60), HOUR),
    st.tuples(st.just("move"), KIND, st.integers(0, 60), HOUR),
    st.tuples(st.just("move_from"), KIND, st.integers(0, 150), HOUR),
    st.tuples(st.just("cancel_occurrence"), KIND, st.integers(0, 6), st.just(0)),
    st.tuples(st.just("cancel"), KIND, st.just(0), st.just(0)),
    st.tuples(st.just("join"), st.sampled_from(["core", "sponsor", "lead"]), st.just(0), st.just(0)),
    st.tuples(st.just("leave"), st.sampled_from(["core", "sponsor", "lead", "coordinator"]), st.just(0), st.just(0)),
    st.tuples(st.just("timezone"), st.sampled_from(ZONES), st.just(0), st.just(0)),
    st.tuples(st.just("place"), st.sampled_from(["Room 1", "https://teams.example.org/l/x"]), st.just(0), st.just(0)),
    st.tuples(st.just("wait"), st.just(""), st.integers(1, 60), st.just(0)),
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
@given(zone=st.sampled_from(ZONES), ops=st.lists(OPS, min_size=1, max_size=12))
def test_every_attendees_replayed_calendar_is_what_copflow_says_they_attend(db_url, zone, ops):
    n = next(_numbers)
    slug, now = f"prop-{n}", START
    cops.propose_cop(UnitOfWork(db_url), slug=slug, name=f"Property {n}", now=now, policy=P, timezone=zone)
    for role in ("coordinator", "lead", "core", "sponsor"):
        _join(db_url, slug, role, n, now)
    for kind in ("checkin", "sponsor_catchup", "review"):  # what a launched CoP has, on its first meeting days
        for days in range(7, 21):
            try:
                _apply(db_url, slug, n, ("schedule", kind, days, 12), now)
                break
            except CopflowError:
                continue
    for op in ops:
        now += timedelta(days=1)
        try:
            now = _apply(db_url, slug, n, op, now)
            event(f"done: {op[0]}")
        except CopflowError:
            event(f"refused: {op[0]}")  # a weekend, a past date, a second series…: it must change nothing
    _check(db_url, slug, now)


def _join(url: str, slug: str, role: str, n: int, now: datetime) -> None:
    email = f"{role}{n}.{next(_numbers)}@{D}"
    members.add_person(UnitOfWork(url), email=email, name=f"{role.title()} {n}", now=now)
    members.add_member(UnitOfWork(url), slug=slug, email=email, role=role, now=now, policy=P, acting=OD)


def _apply(url: str, slug: str, n: int, op: tuple[str, str, int, int], now: datetime) -> datetime:
    name, arg, number, hour = op
    with UnitOfWork(url) as u:
        local = now.astimezone(ZoneInfo(get_cop(u.session, slug).timezone)).date()
    if name == "schedule":
        with UnitOfWork(url) as u:
            cop = get_cop(u.session, slug, for_write=True)
            schedule(u.session, cop, arg, datetime.combine(local + timedelta(days=number), time(hour)), now=now,
                     policy=P)
            u.commit()
    elif name == "move":
        reschedule(UnitOfWork(url), slug=slug, meeting=arg, now=now, policy=P,
                   start=datetime.combine(local + timedelta(days=number), time(hour)))
    elif name == "move_from":
        reschedule(UnitOfWork(url), slug=slug, meeting=arg, now=now, policy=P, start=time(hour),
                   from_day=local + timedelta(days=number))
    elif name == "cancel_occurrence":
        cancel(UnitOfWork(url), slug=slug, meeting=arg, now=now, occurrence=_upcoming(url, slug, arg, now, number))
    elif name == "cancel":
        cancel(UnitOfWork(url), slug=slug, meeting=arg, now=now)
    elif name == "join":
        _join(url, slug, arg, n, now)
    elif name == "leave":
        with UnitOfWork(url) as u:
            cop = get_cop(u.session, slug)
            emails = sorted(m.person.email for m in cop.memberships if m.role == arg and m.left_on is None)
        if emails:
            end_membership(UnitOfWork(url), slug=slug, email=emails[0], now=now, policy=P, acting=OD)
    elif name == "timezone":
        set_cop_meetings(UnitOfWork(url), slug=slug, now=now, policy=P, timezone=arg)
    elif name == "place":
        set_cop_meetings(UnitOfWork(url), slug=slug, now=now, policy=P, place=arg)
    elif name == "wait":
        now += timedelta(days=number)
    return now


def _upcoming(url: str, slug: str, kind: str, now: datetime, k: int) -> date:
    with UnitOfWork(url) as u:
        series = find_series(u.session, get_cop(u.session, slug), kind, now=now)
        local = now.astimezone(ZoneInfo(series.tzid)).replace(tzinfo=None)
        found = [o for o in expand(datetime.fromisoformat(series.starts_local), series.rrule, series.tzid,
                                   local + WINDOW) if o >= local]
    return found[min(k, len(found) - 1)].date() if found else local.date()


def _check(url: str, slug: str, now: datetime) -> None:
    with UnitOfWork(url) as u:
        cop = u.session.scalar(select(Cop).where(Cop.slug == slug))
        assert cop is not None
        days = working_days_of(cop, P)
        all_series = list(u.session.scalars(select(MeetingSeries).where(MeetingSeries.cop_id == cop.id)))
        mail = list(u.session.scalars(select(Notification).where(Notification.cop_id == cop.id)
                                      .order_by(Notification.id)))
        people_ = {m.person.email for m in cop.memberships}
        window = (now, now + WINDOW)
        for s in all_series:  # what is left out must be an occurrence, or a calendar would show it again
            every = {o.isoformat(timespec="minutes") for o in expand(datetime.fromisoformat(s.starts_local), s.rrule,
                                                                     s.tzid, datetime(2032, 1, 1))}
            assert set(s.cancelled_occurrences) <= every, (s.uid, s.cancelled_occurrences, s.rrule)
            assert {w for w, _ in s.skipped_occurrences or []} <= every, s.uid
        for email in people_:
            calendar = ReplayedCalendar()
            for m in mail:
                if m.recipient == email and m.ics:
                    calendar.apply(m.ics)
            expected = set()
            for s in all_series:
                if s.status != "scheduled" or email not in {a[0] for a in s.attendees}:
                    continue
                zone = ZoneInfo(s.tzid)
                start = datetime.fromisoformat(s.starts_local)
                left_out = {*s.cancelled_occurrences, *(w for w, _ in s.skipped_occurrences or [])}
                for local in expand(start, s.rrule, s.tzid, window[1].astimezone(zone).replace(tzinfo=None)):
                    utc = local.replace(tzinfo=zone).astimezone(UTC)
                    if local.isoformat(timespec="minutes") in left_out or not window[0] <= utc < window[1]:
                        continue
                    assert days.why_not(local.date()) is None, (s.uid, local, days.why_not(local.date()))
                    assert local.time() == start.time(), (s.uid, local)
                    expected.add((s.uid, utc))
            assert calendar.occurrences(*window) == expected, email
        texts = [m.ics for m in mail if m.ics]
    if texts:
        assert len(read_with_icaljs(texts, 2)) == len(texts)
