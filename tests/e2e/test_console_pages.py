"""The rest of the OD manager's work in the console, in Chromium, signed in through the real OpenID Connect flow:
parked mail seen with the server's reason and sent again (all of it only once confirmed), a review decided (closing
asks first, naming what will happen), the meeting place set, links revoked and made, a person's data exported and
an erasure refused as the CLI refuses it, then confirmed for someone else. Every page reads well at 1440 and 390 px.
The forms are protected: no CSRF token, 403; an upload over the limit, 413."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from copflow.db.uow import UnitOfWork
from copflow.services.mail.delivery import deliver_with_settings
from copflow.settings import load_settings
from tests.e2e.console_site import ConsoleSite, D, console_site, sign_in
from tests.e2e.test_console_work import both_widths
from tests.e2e.webapp import settings_for_site
from tests.integration.helpers import P, at
from tests.integration.test_reviews import under_review

NOW = at(425)  # data-insight's review opened at day 420


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: Any) -> Iterator[ConsoleSite]:
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    under_review(db_url)
    from copflow.services import cops
    from copflow.services.people import members
    from tests.acting import OD

    cops.propose_cop(UnitOfWork(db_url), slug="research-data", name="Research Data", now=NOW, policy=P)
    members.add_member(UnitOfWork(db_url), slug="research-data", email=f"dir@{D}", role="coordinator", now=NOW,
                       policy=P, acting=OD)
    mail = {"COPFLOW_SMTP_HOST": "127.0.0.1", "COPFLOW_SMTP_PORT": str(smtp.port)}
    for k, v in mail.items():
        monkeypatch.setenv(k, v)
    smtp.refuse = {f"cat@{D}": "550 5.1.1 no such user here"}
    deliver_with_settings(load_settings(), now=NOW)  # cat's review mail is parked with the server's reason
    smtp.refuse = {}
    with console_site(tmp_path, db_url, port, NOW, **mail) as s:
        yield s


def test_mail_decisions_meetings_links_and_people(site: ConsoleSite, browser: Any, db_url: str, smtp: Any) -> None:
    ctx = browser.new_context(bypass_csp=True, accept_downloads=True)
    page = ctx.new_page()
    sign_in(page, site, "odm", "/console/outbox")
    parked = page.locator("#parked tbody tr")
    assert parked.count() >= 1 and "no such user here" in parked.first.inner_text()
    both_widths(page, "outbox with parked mail")
    page.click("text=Send every parked message again")
    assert "go back in the queue" in page.inner_text("#confirm")
    both_widths(page, "retry-all confirmation")
    received = len(smtp.received)
    page.click("#confirm button[type=submit]")
    assert "queued again" in page.inner_text("#notice")
    site.web.settle()  # the app's deliverer sends it after the page has answered
    assert any(f"cat@{D}" in r.rcpt_tos for r in smtp.received[received:])
    assert page.locator("#parked").count() == 0

    # The review: closing asks first, naming who is told and what is cancelled; then the decision is recorded via the console.
    page.goto(site.url + "/console")
    page.click("#h-waiting + ul a")
    assert page.locator("h1").inner_text() == "The review of Data and Insight"
    both_widths(page, "review decision")
    page.check("#decision-close")
    page.fill("#reason", "Its members have moved on to other work")
    page.fill("#closing_date", "2026-05-29")
    page.click("button >> text=Record the decision")
    assert "closes on Friday 29 May 2026" in page.inner_text("#closes-on")
    assert page.locator("#told li").count() >= 3 and f"(ann@{D})" in page.inner_text("#told")  # who is told
    both_widths(page, "close confirmation")
    page.click("#confirm button[type=submit]")
    assert "Decided: close" in page.inner_text("#notice")
    from copflow.services.cops import show_cop

    d = show_cop(UnitOfWork(db_url), "data-insight", NOW, P)
    assert d.stage == "closing" and d.transitions[-1].by == f"odm@{D} (via console by Oda Mann)"

    page.goto(site.url + "/console/cops/data-insight/meetings")
    both_widths(page, "meeting settings")
    page.fill("#place", "Room 1.01, the Library")
    page.click("button >> text=Save")
    assert "Saved" in page.inner_text("#notice")
    assert page.input_value("#place") == "Room 1.01, the Library"

    page.goto(site.url + "/console/links?cop=data-insight")
    both_widths(page, "links")
    page.click("#h-revoke + form button")
    assert "revoked" in page.inner_text("#notice")
    page.fill("#i-email", f"ann@{D}")
    page.select_option("#i-cop", "data-insight")
    page.click("#h-issue + form button")
    assert page.inner_text("#made").startswith(site.url + "/c/")

    # A person's rights: their data as a zip; erasure refused while they are the only coordinator, as the CLI does.
    page.goto(site.url + f"/console/people?email=ann@{D}")
    both_widths(page, "person")
    with page.expect_download() as download:
        page.click("text=Download everything about them")
    with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as z:
        assert "summary.md" in z.namelist()
    page.goto(site.url + f"/console/people?email=dir@{D}")
    page.click("button >> text=Erase them")
    assert "only coordinator or lead of Research Data" in page.inner_text("#err-email")
    both_widths(page, "erasure refused")
    page.goto(site.url + f"/console/people?email=cat@{D}")
    page.click("button >> text=Erase them")
    assert "This cannot be undone." in page.inner_text("#confirm")
    both_widths(page, "erasure confirmation")
    page.click("#confirm button[type=submit]")
    assert "Erased" in page.inner_text("#notice")

    # The forms hold: a POST without its token is refused; an upload over the importers' limit is refused unread.
    r = page.request.post(site.url + "/console/links/revoke", form={"cop": "data-insight"})
    assert r.status == 403
    big = page.request.post(site.url + "/console/import/check", data=b"x" * (21 * 1024 * 1024),
                            headers={"content-type": "multipart/form-data; boundary=x"})
    assert big.status == 413, big.text()
    csp = page.request.get(site.url + "/console").headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    ctx.close()
