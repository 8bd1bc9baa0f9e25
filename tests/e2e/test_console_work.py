"""The OD manager's day in the console, in Chromium against the real `copflow web` signed in through a real
OpenID Connect provider: a community proposed, a staff extract with two bad rows refused (both shown), fixed and
imported, the first gate recorded, and the community's leads and sponsor mailed (the Maildir). Every page the
test opens reads well (axe-core, at 1440 and 390 px; no internal names)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from copflow.db.uow import UnitOfWork
from tests.e2e.console_site import ConsoleSite, D, console_site, sign_in
from tests.e2e.webapp import reads_well, settings_for_site, text_of
from tests.integration.helpers import P, at

NOW = at(10)
GOOD = [f"ann@{D},Ann Lee,Library,boss1@{D},data-insight,coordinator",
        f"bob@{D},Bob Kay,Estates,boss2@{D},data-insight,lead",
        f"cat@{D},Cat Ng,Finance,boss3@{D},data-insight,core",
        f"dir@{D},Dee Ray,Research,,data-insight,sponsor"]
HEADER = "email,name,department,line_manager,cop,role"


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ConsoleSite]:
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    with console_site(tmp_path, db_url, port, NOW) as s:
        yield s


def both_widths(page: Any, where: str) -> None:
    """axe-core and the wording check at a laptop's width and a phone's."""
    for width, height in ((1440, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        reads_well(page, f"{where} at {width} px")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), \
            f"{where} scrolls sideways at {width} px"
    page.set_viewport_size({"width": 1440, "height": 900})


def test_an_od_manager_proposes_a_community_imports_its_people_and_passes_its_first_gate(
        site: ConsoleSite, browser: Any, db_url: str, tmp_path: Path) -> None:
    ctx = browser.new_context(bypass_csp=True)  # axe-core is injected as a script; the CSP is tested apart
    page = ctx.new_page()
    sign_in(page, site, "odm")
    both_widths(page, "portfolio (empty)")

    page.click("nav >> text=New community")
    both_widths(page, "new community")
    page.click("button[type=submit] >> text=Propose")
    assert "Give the community's name." in page.inner_text("#field-name")
    page.fill("#name", "Data and Insight")
    page.fill("#slug", "data-insight")
    page.fill("#domain", "Using data and evidence to make better decisions")
    page.click("button[type=submit] >> text=Propose")
    assert page.locator("h1").inner_text() == "Data and Insight"
    assert "Proposed" in page.inner_text("#notice")
    criteria = page.locator("ul.criteria li")
    assert criteria.count() == 5 and "Not yet: at least 2 leads" in criteria.nth(0).inner_text()
    both_widths(page, "community just proposed")

    # A staff extract with two bad rows: both are shown, with their row, column and reason, and nothing is written.
    bad = tmp_path / "staff.csv"
    bad.write_text("\n".join([HEADER, *GOOD, "not-an-address,Someone,Library,,data-insight,core",
                              f"eve@{D},,Library,,data-insight,wider"]) + "\n", encoding="utf-8")
    page.click("nav >> text=Import a file")
    both_widths(page, "import form")
    page.check("#kind-people")
    page.set_input_files("#file", str(bad))
    page.click("button >> text=Check the file")
    problems = page.locator("#problems tbody tr")
    assert problems.count() == 2
    rows = [problems.nth(i).inner_text() for i in range(2)]
    assert rows[0].split("\t")[:2] == ["6", "email"], rows
    assert rows[1].split("\t")[:2] == ["7", "name"] and "empty" in rows[1], rows
    assert "nothing was imported" in page.inner_text("#problems-title")
    both_widths(page, "import refused")
    from copflow.services.cops import show_cop

    assert show_cop(UnitOfWork(db_url), "data-insight", NOW, P).members == []

    good = tmp_path / "staff-fixed.csv"
    good.write_text("\n".join([HEADER, *GOOD, f"eve@{D},Eve Park,Library,,data-insight,wider"]) + "\n",
                    encoding="utf-8")
    page.set_input_files("#file", str(good))
    page.click("button >> text=Check the file")
    assert "Nothing has been written yet" in page.inner_text("#dry-run")
    assert show_cop(UnitOfWork(db_url), "data-insight", NOW, P).members == []
    both_widths(page, "import dry run")
    page.click("#dry-run button")
    assert "Imported staff-fixed.csv" in page.inner_text("#notice")
    members = {(m.email, m.role) for m in show_cop(UnitOfWork(db_url), "data-insight", NOW, P).members}
    assert (f"ann@{D}", "coordinator") in members and (f"dir@{D}", "sponsor") in members and len(members) == 5

    # The first gate, from the community's page: recorded, the community moves on, its people are mailed.
    page.goto(site.url + "/console/cops/data-insight")
    assert all(t.startswith("Met:") for t in page.locator("ul.criteria li").all_inner_texts())
    both_widths(page, "community with its roster")
    before = site.web.ids()
    page.click("#h-gates + ul a >> text=Forming the core group")
    both_widths(page, "gate form")
    page.fill("#domain", "Using data and evidence to make better decisions")
    page.fill("#formed_on", "2025-01-10")
    page.click("button[type=submit] >> text=Record")
    assert "has moved on to the planning stage" in page.inner_text("#notice")
    both_widths(page, "gate recorded")
    d = show_cop(UnitOfWork(db_url), "data-insight", NOW, P)
    assert d.stage == "planning"
    assert d.transitions[-1].by == f"odm@{D} (via console by Oda Mann)"
    assert d.evidence[-1].recorded_by == f"odm@{D} (via console by Oda Mann)"
    mails = site.web.since(before)
    told = {m["To"].split("<")[-1].rstrip(">") for m in mails
            if "from the forming stage to the planning stage" in text_of(m)}
    assert {f"ann@{D}", f"bob@{D}", f"dir@{D}"} <= told, [m["Subject"] for m in mails]
    page.goto(site.url + "/console/cops/data-insight")
    assert "via console by Oda Mann" in page.inner_text("#h-history + ol")
    ctx.close()
