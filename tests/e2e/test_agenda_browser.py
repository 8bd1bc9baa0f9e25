"""Issue 17's acceptance, in a real browser on SQLite and PostgreSQL: an owner opens the link in her check-in
agenda, marks her action done, and the next agenda lists it as done (and no longer open)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.services.actions.plan import add_action
from copflow.services.briefs.queue import queue_briefs
from tests.e2e.webapp import CHROMIUM, free_port, web_server
from tests.integration.helpers import D, P, as_sent, at, to_active

NOW = at(130)  # Friday 16 May 2025, between the check-ins of 13 May and 10 June, as the web server sees it


def agenda_to(url: str, who: str, occurrence: str) -> str:
    with UnitOfWork(url) as u:
        mail = u.session.scalar(select(Notification).where(
            Notification.kind == "checkin_agenda", Notification.recipient == who,
            Notification.idempotency_key.like(f"%/agenda/{occurrence}/%")))
    assert mail is not None, (who, occurrence)
    return as_sent(url, mail)  # its link as the deliverer fills it in


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


def test_an_action_done_from_the_agendas_link_is_done_on_the_next_agenda(db_url: str, tmp_path: Path, browser: Any,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    monkeypatch.setenv("COPFLOW_WEB_URL", f"http://127.0.0.1:{port}")  # the links the agendas carry
    to_active(db_url)
    add_action(UnitOfWork(db_url), slug="data-insight", title="Book the seminar room", owner=f"cat@{D}",
               due_on=date(2025, 5, 30), who=f"ann@{D}", via="cli", now=at(120), target="1 seminar")
    queue_briefs(UnitOfWork(db_url), now=datetime(2025, 5, 11, 7, tzinfo=UTC), policy=P)  # before 13 May
    first = agenda_to(db_url, f"cat@{D}", "2025-05-13")
    assert "Book the seminar room: due Friday 30 May 2025" in first
    [link] = re.findall(rf"http://127\.0\.0\.1:{port}/a/[A-Za-z0-9_\-]+", first)

    with web_server(tmp_path, db_url, port, NOW) as site:
        assert site.url in link
        page = browser.new_context(bypass_csp=True).new_page()
        page.goto(link)
        assert "Book the seminar room" in page.inner_text("main")
        page.get_by_role("button", name=re.compile("^Done")).first.click()
        page.wait_for_selector("#notice")
        assert "Book the seminar room: done." in page.locator("#notice").inner_text()

    queue_briefs(UnitOfWork(db_url), now=datetime(2025, 6, 8, 7, tzinfo=UTC), policy=P)  # before 10 June
    nxt = agenda_to(db_url, f"cat@{D}", "2025-06-10")
    done = nxt[nxt.index("2. DONE SINCE THE LAST CHECK-IN (Tuesday 13 May 2025)"):nxt.index("3. EVENTS")]
    assert "Book the seminar room (Cat Ng, done Friday 16 May 2025), towards \"1 seminar\"" in done
    assert "THE ACTION PLAN: 0 open actions" in nxt and "No open actions" in nxt
