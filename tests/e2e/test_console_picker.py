"""The console's people picker (issue 27): the OD manager finds someone by name on a community's page and adds them
with a role, without typing their address; a search too short is refused beside its field; a wide one shows 20
and says there are more; someone not found is added by address as before. Chromium, signed in through the local
OpenID Connect provider; the page reads well (axe-core) at both widths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from copflow.db.uow import UnitOfWork
from copflow.services.cops import show_cop
from copflow.services.people import members
from tests.e2e.console_site import ConsoleSite, console_site, sign_in
from tests.e2e.webapp import reads_well, settings_for_site
from tests.integration.helpers import T0, D, P, at, proposed

NOW = at(10)


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ConsoleSite]:
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    proposed(db_url)
    u = UnitOfWork(db_url)
    for i in range(25):
        members.add_person(u, email=f"analyst{i:02d}@{D}", name=f"Sam Analyst {i:02d}", department="Data", now=T0)
    members.add_person(u, email=f"eve@{D}", name="Eve Park", department="Library", now=T0)
    with console_site(tmp_path, db_url, port, NOW) as s:
        yield s


def both_widths(page: Any, where: str) -> None:
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        reads_well(page, f"{where} at {width} px")
    page.set_viewport_size({"width": 1440, "height": 900})


def test_the_od_manager_picks_someone_by_name(site: ConsoleSite, browser: Any, db_url: str) -> None:
    ctx = browser.new_context(bypass_csp=True)  # axe-core is injected as a script
    page = ctx.new_page()
    sign_in(page, site, "odm", "/console/cops/data-insight")

    page.fill("#m-find", "e")
    page.click("button >> text=Find")
    assert "2 to 100 characters" in page.inner_text("#err-m-find")
    both_widths(page, "picker, search too short")

    page.fill("#m-find", "analyst")
    page.click("button >> text=Find")
    options = page.locator("#m-pick option")
    assert options.count() == 21  # "someone not listed", and 20 of the 25
    assert "20 people found, and more" in page.inner_text("#help-m-pick")

    page.fill("#m-find", "eve pa")
    page.click("button >> text=Find")
    assert page.locator("#m-pick option:checked").inner_text() == f"Eve Park (eve@{D}, Library)"
    both_widths(page, "picker, one found")
    page.select_option("#m-role", "wider")
    page.click("button >> text=Add to Data and Insight")
    assert f"eve@{D} is now a" in page.inner_text("main")
    roster = {(m.email, m.role) for m in show_cop(UnitOfWork(db_url), "data-insight", NOW, P).members}
    assert (f"eve@{D}", "wider") in roster

    page.fill("#m-find", "zed")
    page.click("button >> text=Find")
    assert "Nobody known here matches" in page.inner_text("#help-m-pick")
    page.fill("#m-email", f"zed@{D}")
    page.fill("#m-name", "Zed Quinn")
    page.select_option("#m-role", "wider")
    page.click("button >> text=Add to Data and Insight")
    assert f"zed@{D} is now a" in page.inner_text("main")
    ctx.close()
