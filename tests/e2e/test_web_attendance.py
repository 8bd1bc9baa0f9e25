"""A lead confirms a held check-in's attendance on the CoP's page, in a real browser: the form comes ticked from
the invitations' accepts, nothing is recorded until the lead sends it, and what is sent is what is recorded. The
page also shows the answers for the next check-in. The section reads well (axe-core)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from copflow.db.models import Activity, Attendance, Person
from copflow.db.uow import UnitOfWork
from copflow.services.links import signed as links
from tests.e2e.webapp import Server, reads_well, server_env, settings_for_site, web_server
from tests.integration.helpers import D, P, at, to_active
from tests.integration.rsvp_helpers import apply, reply

NOW = at(130)  # 16 May 2025: the check-in of 13 May has been held


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    to_active(db_url)
    apply(db_url, reply(db_url, "checkin", "ann", "ACCEPTED"), "ann", at(91))
    apply(db_url, reply(db_url, "checkin", "bob", "ACCEPTED"), "bob", at(91))
    apply(db_url, reply(db_url, "checkin", "cat", "DECLINED", occurrence_utc="2025-05-13T11:30:00Z"), "cat", at(91))
    env = {**server_env(tmp_path, db_url, port, NOW), "COPFLOW_HOME": str(tmp_path / "home")}
    with web_server(tmp_path, db_url, port, NOW, env=env) as server:
        yield server


def attended(db_url: str) -> list[str]:
    with UnitOfWork(db_url) as u:
        return sorted(u.session.scalars(select(Person.email).join(Attendance, Attendance.person_id == Person.id)
                                        .join(Activity, Activity.id == Attendance.activity_id)
                                        .where(Activity.kind == "check_in")))


def test_a_lead_confirms_who_came_from_the_accepts(site: Server, browser: Any, db_url: str) -> None:
    link = links.issue(UnitOfWork(db_url), slug="data-insight", email=f"ann@{D}", purpose="cop", now=NOW, policy=P,
                       web_url=site.url)
    page = browser.new_context(bypass_csp=True).new_page()  # axe-core is injected as a script
    page.goto(link)
    section = page.locator("section[aria-labelledby=h-attendance]")
    assert "Core group check-in, Tuesday 13 May 2025 at 12:30" in section.inner_text()
    ticked = section.locator("input[type=checkbox]:checked")
    assert sorted(ticked.evaluate_all("els => els.map(e => e.value)")) == [f"ann@{D}", f"bob@{D}"]
    assert "Cat Ng (declined)" in section.inner_text()
    assert "coming: 2 — no answer: 1" in page.inner_text("#h-meetings + ul")  # the next check-in, 10 June
    reads_well(page, "CoP page, attendance to confirm")
    assert attended(db_url) == []  # shown ticked, not recorded
    section.locator(f"input[value='bob@{D}']").uncheck()  # Bob did not make it after all
    section.locator("text=Record who came").click()
    assert "Core group check-in of Tuesday 13 May 2025: 1 attendee(s) recorded." in page.inner_text("body")
    assert attended(db_url) == [f"ann@{D}"]
    assert page.locator("section[aria-labelledby=h-attendance]").count() == 0  # nothing left to confirm
