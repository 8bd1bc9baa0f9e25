"""Feeds and caches that tell the truth (issue 29, item 6): a feed's Last-Modified and ETag move with its content,
so a client revalidating by date and one revalidating by tag both get 200 after a change and 304 otherwise; a
cancelled meeting stays in the feed as STATUS:CANCELLED; a closed CoP's feed answers for the notice period with every
event cancelled, then 410 Gone; feeds ask to be polled (REFRESH-INTERVAL, X-PUBLISHED-TTL); a write through the
web shows at once on the cached pages. The web app is the real one (Starlette's test client); ical.js reads the
feeds back. Also the migration that gave meetings their visibility (0024) and its backfill."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from starlette.testclient import TestClient

from copflow.db.engine import get_engine
from copflow.db.models import Cop, MeetingSeries
from copflow.db.uow import UnitOfWork
from copflow.services import cops
from copflow.services.archiving import close_cop
from copflow.services.links.signed import issue_link
from copflow.services.meetings.changes import cancel
from copflow.services.meetings.series import schedule
from copflow.services.people import members
from copflow.services.snapshots import get_cop
from copflow.settings import load_settings
from copflow.web.app import create_app
from tests.acting import OD
from tests.integration.helpers import D, P, at
from tests.integration.test_closure import CLOSING_DAY, closing
from tests.interop.icaljs import read_with_icaljs

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def web(db_url: str, monkeypatch: Any) -> Iterator[tuple[TestClient, Clock]]:
    monkeypatch.setenv("COPFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("COPFLOW_WEB_URL", "http://testserver")
    monkeypatch.setenv("COPFLOW_OD_MANAGER_EMAIL", f"odm@{D}")
    clock = Clock(NOW)
    # A long cache window: what a page shows after a write must not wait for it to run out.
    app = create_app(load_settings(), clock=clock, rate_limit=100_000, cache_seconds=600)
    with TestClient(app, base_url="http://testserver") as client:
        yield client, clock


def _past_the_cache_window(client: TestClient) -> None:
    """What a write made elsewhere (the CLI, the sweep) looks like once the cache window has run out."""
    app: Any = client.app
    while not hasattr(app, "state"):
        app = app.app  # inside the security headers and the rate limit
    app.state.web.cache.clear()


def _community(url: str) -> None:
    cops.propose_cop(UnitOfWork(url), slug="feeds", name="Feeds", now=NOW, policy=P, timezone="Europe/London")
    for who, role in (("ann", "coordinator"), ("cat", "core"), ("wil", "wider")):
        members.add_member(UnitOfWork(url), slug="feeds", email=f"{who}@{D}", name=who.title(), role=role,
                           now=NOW, policy=P, acting=OD)
    with UnitOfWork(url) as u:
        cop = get_cop(u.session, "feeds", for_write=True)
        for kind, days in (("launch", 8), ("checkin", 9)):
            schedule(u.session, cop, kind, datetime.combine(NOW.date() + timedelta(days=days), time(12)), now=NOW,
                     policy=P, location="https://teams.example.org/l/1")
        u.commit()


def _statuses(feed: str) -> dict[str, str]:
    [read] = read_with_icaljs([feed], count=1)
    return {e["summary"]: e["status"] for e in read["events"]}


def test_a_cancellation_answers_200_by_date_and_by_tag_then_304(db_url: str, web: tuple[TestClient, Clock]) -> None:
    client, clock = web
    _community(db_url)
    clock.now = NOW + timedelta(hours=1)
    first = client.get("/feeds/feeds.ics")
    assert first.status_code == 200 and _statuses(first.text) == {"Launch event: Feeds": "CONFIRMED"}
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT12H" in first.text and "X-PUBLISHED-TTL:PT12H" in first.text
    assert parsedate_to_datetime(first.headers["Last-Modified"]) == NOW
    tag, date = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get("/feeds/feeds.ics", headers={"If-None-Match": tag}).status_code == 304
    assert client.get("/feeds/feeds.ics", headers={"If-Modified-Since": date}).status_code == 304

    clock.now = NOW + timedelta(days=1)
    cancel(UnitOfWork(db_url), slug="feeds", meeting="launch", now=clock.now, reason="the room flooded")
    _past_the_cache_window(client)  # a write made elsewhere (the CLI): past the cache window
    by_tag = client.get("/feeds/feeds.ics", headers={"If-None-Match": tag})
    by_date = client.get("/feeds/feeds.ics", headers={"If-Modified-Since": date})
    assert (by_tag.status_code, by_date.status_code) == (200, 200)
    assert parsedate_to_datetime(by_date.headers["Last-Modified"]) == clock.now  # the cancellation's moment
    assert by_tag.headers["ETag"] != tag
    assert _statuses(by_date.text) == {"Launch event: Feeds": "CANCELLED"}  # a subscribed calendar removes it
    tag, date = by_tag.headers["ETag"], by_tag.headers["Last-Modified"]
    assert client.get("/feeds/feeds.ics", headers={"If-None-Match": tag}).status_code == 304
    assert client.get("/feeds/feeds.ics", headers={"If-Modified-Since": date}).status_code == 304


def test_a_closed_cops_feed_cancels_everything_for_the_notice_period_then_is_gone(
        db_url: str, web: tuple[TestClient, Clock], tmp_path: Path) -> None:
    client, clock = web
    closing(db_url)
    with UnitOfWork(db_url) as u:  # the community's farewell, before it closes
        cop = get_cop(u.session, "data-insight", for_write=True)
        schedule(u.session, cop, "closing", datetime.combine(at(CLOSING_DAY - 6).date(), time(12)),
                 now=at(CLOSING_DAY - 20), policy=P)
        u.commit()
    close_cop(UnitOfWork(db_url), slug="data-insight", now=at(CLOSING_DAY), policy=P,
              archive_dir=tmp_path / "archives")
    with UnitOfWork(db_url) as u:
        cop_id = u.session.scalar(select(Cop.id).where(Cop.slug == "data-insight"))
        public = u.session.scalars(select(MeetingSeries.summary).where(MeetingSeries.cop_id == cop_id,
                                                                       MeetingSeries.visibility == "public")).all()
    assert public == ["Closing meeting: Data and Insight"]
    clock.now = at(CLOSING_DAY + 7)
    r = client.get("/feeds/data-insight.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    assert _statuses(r.text) == dict.fromkeys(public, "CANCELLED")
    _past_the_cache_window(client)
    clock.now = at(CLOSING_DAY) + timedelta(weeks=P.notice_period_weeks, days=1)
    gone = client.get("/feeds/data-insight.ics")
    assert gone.status_code == 410 and gone.headers["content-type"].startswith("text/plain")
    assert "closed" in gone.text


def test_a_write_through_the_web_shows_at_once_on_the_cached_hub_and_feed(
        db_url: str, web: tuple[TestClient, Clock]) -> None:
    client, clock = web
    _community(db_url)
    clock.now = NOW + timedelta(hours=1)
    assert "Eve Moss" not in client.get("/").text
    before = client.get("/feeds/feeds.ics").headers["Last-Modified"]
    with UnitOfWork(db_url) as u:
        link = issue_link(u.session, email=f"ann@{D}", cop=get_cop(u.session, "feeds"), purpose="cop", now=NOW,
                          policy=P, web_url="http://testserver")
        u.commit()
    [token] = set(re.findall(r'name="csrf" value="([^"]+)"', client.get(link).text))
    clock.now = NOW + timedelta(hours=2)
    r = client.post(link + "/members", data={"csrf": token, "action": "add", "email": f"eve@{D}", "name": "Eve Moss",
                                             "role": "lead"})
    assert r.status_code == 200, r.text
    assert "Eve Moss" in client.get("/").text  # led by her now, within the cache window
    after = client.get("/feeds/feeds.ics").headers["Last-Modified"]
    assert parsedate_to_datetime(after) > parsedate_to_datetime(before)  # she was invited to the launch


def test_migration_0024_backfills_visibility_by_kind_and_the_change_time(db_url: str) -> None:
    from alembic import command

    from copflow.db.migrate import alembic_config, upgrade

    _community(db_url)
    command.downgrade(alembic_config(db_url), "0022")
    try:
        with get_engine(db_url).connect() as conn:
            assert "visibility" not in list(conn.execute(text("SELECT * FROM meeting_series")).keys())
    finally:
        upgrade(db_url)
    with UnitOfWork(db_url) as u:
        rows = u.session.execute(select(MeetingSeries.kind, MeetingSeries.visibility, MeetingSeries.changed_at)).all()
    assert sorted((k, vis) for k, vis, _ in rows) == [("checkin", "private"), ("launch", "public")]
    assert all(changed == NOW for _, _, changed in rows)
