"""Nothing private is public (issue 29, item 3), as a property: over random portfolios — CoPs in any zone, with
meetings of every kind at rooms, join links and places with an address typed in, some cancelled — a crawler that
starts at the hub and the public feeds and follows every same-origin link without a token never reads a private
meeting's title, a join link or any e-mail address. The web app is the real one (Starlette's test client, in this
process) over the real database; each feed is read back by ical.js. COPFLOW_PROPERTY_EXAMPLES sets the examples."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from copflow.db.uow import UnitOfWork
from copflow.services import cops
from copflow.services.errors import CopflowError
from copflow.services.meetings.changes import cancel
from copflow.services.meetings.kinds import KINDS, PUBLIC
from copflow.services.meetings.series import schedule
from copflow.services.people import members
from copflow.services.snapshots import get_cop
from copflow.settings import load_settings
from copflow.web.app import create_app
from lifecycle import Policy
from tests.acting import OD
from tests.integration.helpers import D
from tests.interop.icaljs import read_with_icaljs

P = Policy()
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
EXAMPLES = int(os.environ.get("COPFLOW_PROPERTY_EXAMPLES", "10"))
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
JOIN = "https://teams.example.org/l/meetup-join/"
ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "UTC"]
PLACES = st.sampled_from(["Room 1.01", f"{JOIN}{{n}}", f"Room 2 or {JOIN}{{n}}", "ask ann.{n}@uni.example.org",
                          "Library, www.zoom.example.org/j/{n}"])
MEETING = st.tuples(st.sampled_from(sorted(KINDS)), st.integers(1, 40), PLACES, st.booleans())
COP = st.tuples(st.sampled_from(ZONES), st.lists(MEETING, min_size=1, max_size=6))
_numbers = itertools.count()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
@given(portfolio=st.lists(COP, min_size=1, max_size=3))
def test_no_unauthenticated_response_shows_a_private_meeting_a_join_link_or_an_address(
        db_url: str, monkeypatch: Any, portfolio: list[tuple[str, list[tuple[str, int, str, bool]]]]) -> None:
    private: set[str] = set()
    for zone, meetings in portfolio:
        private |= _cop(db_url, zone, meetings)
    monkeypatch.setenv("COPFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("COPFLOW_WEB_URL", "http://testserver")
    monkeypatch.setenv("COPFLOW_OD_MANAGER_EMAIL", f"odm@{D}")
    app = create_app(load_settings(), clock=lambda: NOW, rate_limit=100_000, cache_seconds=0)
    feeds: list[str] = []
    with TestClient(app, base_url="http://testserver") as client:
        # The hub, and the doors a stranger may knock on: the console's, a page that does not exist.
        for path, body in _crawl(client, ["/", "/console", "/no-such-page"]):
            assert not ADDRESS.search(body), (path, ADDRESS.search(body))
            assert "teams.example.org" not in body and "zoom.example.org" not in body, path
            assert not [title for title in private if title in body], path
            if path.endswith(".ics"):
                feeds.append(body)
    assert feeds, "the hub links to each CoP's feed"
    for read in read_with_icaljs(feeds, count=2):
        for e in read["events"]:
            assert e["summary"].split(":")[0] in {k.title for k in KINDS.values() if k.visibility == PUBLIC}


def _cop(url: str, zone: str, meetings: list[tuple[str, int, str, bool]]) -> set[str]:
    """A CoP with every role filled and these meetings scheduled (some then cancelled); its private meetings'
    titles."""
    n = next(_numbers)
    slug = f"vis-{n}"
    cops.propose_cop(UnitOfWork(url), slug=slug, name=f"Visible {n}", now=NOW, policy=P, timezone=zone)
    for role in ("coordinator", "lead", "core", "sponsor", "od_manager_contact", "wider"):
        email = f"{role.replace('_', '')}{n}@{D}"
        members.add_person(UnitOfWork(url), email=email, name=f"{role.title().replace('_', ' ')} {n}", now=NOW)
        members.add_member(UnitOfWork(url), slug=slug, email=email, role=role, now=NOW, policy=P, acting=OD)
    private: set[str] = set()
    for kind, days, place, cancelled in meetings:
        try:
            with UnitOfWork(url) as u:
                cop = get_cop(u.session, slug, for_write=True)
                series = schedule(u.session, cop, kind, datetime.combine((NOW + timedelta(days=days)).date(),
                                                                         time(12)),
                                  now=NOW, policy=P, location=place.format(n=n))
                uid, title = series.uid, series.summary
                u.commit()
        except CopflowError:
            continue  # a weekend, a second series of a kind: nothing scheduled
        if KINDS[kind].visibility != PUBLIC:
            private.add(title)
        if cancelled:
            cancel(UnitOfWork(url), slug=slug, meeting=uid, now=NOW)
    return private


def _crawl(client: TestClient, start: list[str]) -> Iterator[tuple[str, str]]:
    """Every same-origin page and feed reachable from `start` without a token: (path, body)."""
    seen: set[str] = set()
    todo = list(start)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        r = client.get(path)
        body = r.text
        yield path, body
        for link in re.findall(r'(?:href|src|action)="([^"#]*)', body):
            link = link.replace("&amp;", "&").removeprefix("http://testserver")
            if link.startswith("/") and not link.startswith("//"):
                todo.append(link)
