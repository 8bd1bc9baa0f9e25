"""Pages word things for who reads them (issue 29, item 9): the hub names a meeting's time zone as people say it
("UK time", not "Europe/London time"), and so do the lead's page, agendas and chat posts; a decision link that no longer works tells the OD manager — its only reader —
where to decide instead, not to "ask the programme's OD manager". The real web app (Starlette's test client)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from copflow.db.uow import UnitOfWork
from copflow.services import cops
from copflow.services.links.signed import issue_link
from copflow.services.meetings.series import schedule
from copflow.services.people import members
from copflow.services.snapshots import get_cop
from copflow.settings import load_settings
from copflow.web.app import create_app
from copflow.web.views.hub import zone_words
from tests.acting import OD
from tests.integration.helpers import D, P

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def client(db_url: str, monkeypatch: Any) -> Iterator[TestClient]:
    monkeypatch.setenv("COPFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("COPFLOW_WEB_URL", "http://testserver")
    monkeypatch.setenv("COPFLOW_OD_MANAGER_EMAIL", f"odm@{D}")
    with TestClient(create_app(load_settings(), clock=lambda: NOW, rate_limit=100_000),
                    base_url="http://testserver") as c:
        yield c


@pytest.mark.parametrize(("zone", "words"), [("Europe/London", "UK time"), ("America/New_York", "US Eastern time"),
                                             ("Australia/Sydney", "Sydney time"), ("UTC", "UTC time")])
def test_the_hub_names_a_zone_as_people_say_it(db_url: str, client: TestClient, zone: str, words: str) -> None:
    cops.propose_cop(UnitOfWork(db_url), slug="zones", name="Zones", now=NOW, policy=P, timezone=zone)
    members.add_member(UnitOfWork(db_url), slug="zones", email=f"ann@{D}", name="Ann", role="coordinator", now=NOW,
                       policy=P, acting=OD)
    with UnitOfWork(db_url) as u:
        schedule(u.session, get_cop(u.session, "zones", for_write=True), "launch",
                 datetime.combine(NOW.date() + timedelta(days=8), time(12)), now=NOW, policy=P)
        u.commit()
    hub = client.get("/").text
    assert f"({words})" in hub and zone not in hub.replace(f"({words})", "")
    assert zone_words(zone) == words
    with UnitOfWork(db_url) as u:  # the lead's own page lists the same meeting in the same words
        url = issue_link(u.session, email=f"ann@{D}", cop=get_cop(u.session, "zones"), purpose="cop", now=NOW,
                         policy=P, web_url="http://testserver")
        u.commit()
    page = client.get(url.removeprefix("http://testserver")).text
    assert f"at 12:00 ({words})" in page and zone not in page.replace(f"({words})", "")


def test_a_dead_decision_link_tells_the_od_manager_where_to_decide(client: TestClient) -> None:
    dead = client.get("/d/" + "x" * 32)
    assert dead.status_code == 404
    assert "ask the\nprogramme's OD manager" not in dead.text and "programme's OD manager" not in dead.text
    assert "OD managers' console" in dead.text and 'href="/console"' in dead.text
    lead = client.get("/c/" + "x" * 32)  # a lead's link: the OD manager is who to ask
    assert lead.status_code == 404 and "programme's OD manager for a new one" in lead.text
