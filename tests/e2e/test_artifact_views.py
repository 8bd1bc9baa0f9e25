"""What an OD manager sees of copflow's artifacts in the current Prefect UI at a laptop's width (1440 px).

A real Prefect server (PostgreSQL-backed, as in test_server_mode.py) receives the artifacts of a real sweep and
portfolio report over three CoPs; Playwright drives Debian's Chromium over the server's V2 UI and asserts on
what a person sees: every column header inside the viewport, the most overdue CoP first, its name a link to its
entry on the hub, no raw field names. The screenshots are kept in the test's tmp dir.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_server_mode import ROOT, copflow, prefect_client, prefect_database, prefect_server, server_env
from tests.e2e.webapp import CHROMIUM
from tests.integration import helpers as h
from tests.smtp_server import free_port

WIDTH, HEIGHT = 1440, 900
__all__ = ["prefect_database"]  # the fixture, shared with test_server_mode.py
HUB = "https://cops.uni.example.org"
WORST = "Research|IT [pilot]"  # the most overdue CoP, with Markdown's own characters in its name
SWEEP_DAY = h.at(180)  # research-it 128 days late with its sponsor meeting, data-insight 64 with its launch
RAW = ("slug", "next_gate", "due_on", "overdue_days", "next_review_on")


@pytest.fixture
def views(tmp_path: Path, smtp, postgres_url: str, prefect_database: str) -> Iterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    """Three CoPs (planning, launching, active), a sweep on day 180 and a portfolio report, on a Prefect server."""
    from sqlalchemy import update

    from copflow.db.models import Cop
    from copflow.db.uow import UnitOfWork
    from tests.conftest import _truncate

    _truncate(postgres_url)
    h.to_planning(postgres_url, "research-it")
    h.to_launching(postgres_url, "data-insight", with_staff=False)
    h.to_active(postgres_url, "events", with_staff=False)
    with UnitOfWork(postgres_url) as u:
        for slug, name in (("research-it", WORST), ("events", "Events Management")):
            u.session.execute(update(Cop).where(Cop.slug == slug).values(name=name))
        u.commit()
    env = server_env(tmp_path, free_port(), smtp.port, postgres_url, prefect_database)
    env["COPFLOW_WEB_URL"] = HUB
    env["COPFLOW_OD_MANAGER_EMAIL"] = f"odm@{h.D}"
    with prefect_server(tmp_path, env, worker=False):
        copflow(env, "sweep", now=SWEEP_DAY.isoformat())
        r = subprocess.run([sys.executable, "-c", "from flows.portfolio_report import portfolio_report; "
                            "portfolio_report()"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        yield env


@pytest.fixture
def page(views: dict[str, str]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        browser.close()


def _open(page: Any, env: dict[str, str], key: str, ready: str) -> None:
    # The key's page lists its versions; the latest version's page shows the content.
    ui = env["PREFECT_API_URL"].removesuffix("/api")
    page.goto(f"{ui}/v2/artifacts/artifact/{prefect_client(env, 'artifact-id', key)}",
              wait_until="networkidle")
    try:
        page.locator(ready).first.wait_for(state="visible", timeout=60_000)
    except Exception:  # keep what the page showed instead, for whoever reads the failure
        page.screenshot(path=str(Path(env["PREFECT_HOME"]).parent / f"{key}-not-ready.png"))
        (Path(env["PREFECT_HOME"]).parent / f"{key}-not-ready.html").write_text(page.content(), encoding="utf-8")
        raise


def _settled(check: Callable[[], None], seconds: float = 30) -> None:
    """`check` passes once within `seconds`. The UI refetches an artifact and redraws its table (under load the
    table is briefly empty or gone), so what a person sees is judged once the page has settled."""
    from playwright.sync_api import Error as PlaywrightError  # a timeout waiting for a cell that was redrawn

    deadline = time.monotonic() + seconds
    while True:
        try:
            check()
            return
        except (AssertionError, PlaywrightError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _headers_fit(page: Any, table: Any, expected: list[str]) -> None:
    headers = table.locator("th")
    assert [t.strip() for t in headers.all_inner_texts()] == expected
    for i in range(headers.count()):
        box = headers.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, (expected[i], box)
        assert box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT, (expected[i], box)


def _first_row_links_the_worst(table: Any) -> None:
    first = table.locator("tbody tr").first.locator("td").first
    assert first.inner_text().startswith(WORST)
    assert first.locator("a").first.get_attribute("href") == f"{HUB}/#cop-research-it"


def _no_raw_fields(page: Any) -> None:
    seen = page.locator("main").inner_text()
    for raw in RAW:
        assert raw not in seen, raw


def _shot(page: Any, tmp_path: Path, key: str) -> None:
    page.screenshot(path=str(tmp_path / f"{key}-{WIDTH}.png"))


@pytest.mark.slow
@pytest.mark.postgres
def test_every_artifact_reads_at_a_laptops_width_in_the_current_prefect_ui(views: dict[str, str], page: Any,
                                                                           tmp_path: Path) -> None:
    six = ["CoP", "Stage", "Next step", "Due", "Status", "Next review"]
    for key in ("copflow-portfolio", "copflow-attention"):
        _open(page, views, key, "table th")
        table = page.locator("table").first

        def reads_well() -> None:
            _headers_fit(page, table, six)
            _first_row_links_the_worst(table)
            names = [t.split("\n")[0] for t in table.locator("tbody tr td:first-child").all_inner_texts()]
            assert names[:2] == [WORST, "Data and Insight"], names  # most overdue first, not alphabetical

        _settled(reads_well)
        _no_raw_fields(page)
        _shot(page, tmp_path, key)

    _open(page, views, "copflow-sweep", "table th")
    overdue = page.locator("table", has=page.locator("th", has_text="What is late"))

    def overdue_reads_well() -> None:
        overdue.scroll_into_view_if_needed()
        _headers_fit(page, overdue, ["CoP", "What is late", "Leads", "Sponsor"])
        _first_row_links_the_worst(overdue)

    _settled(overdue_reads_well)
    _no_raw_fields(page)
    _shot(page, tmp_path, "copflow-sweep")

    _open(page, views, "copflow-lifecycle", "svg[aria-roledescription]")
    diagram = page.locator("svg[aria-roledescription]").first  # mermaid's drawing
    box = diagram.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    assert "stateDiagram" not in page.locator("main").inner_text()  # drawn, not shown as Mermaid text
    assert "planning (1 CoP)" in (diagram.text_content() or "")
    _shot(page, tmp_path, "copflow-lifecycle")
