"""Leads act from their inbox, in a real browser: Playwright drives Debian's Chromium against `copflow web` (its own
process) on SQLite and on PostgreSQL. The link is taken from a real reminder in the Maildir; axe-core checks each
page; the server's whole log is searched for tokens at the end."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from copflow.db.uow import UnitOfWork
from copflow.services.mail.delivery import deliver_with_settings
from copflow.services.sweep.due_work import due_cop_batches, sweep_batch
from copflow.settings import load_settings
from tests.acting import OD
from tests.e2e.webapp import Server, free_port, link_in, reads_well, settings_for_site, text_of, web_server
from tests.integration.helpers import D, P, at, to_launching

NOW = at(110)  # HR-style launch of data-insight due at day 116: the 7-day reminder is owed


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """data-insight in stage launching, its reminders swept and delivered to the Maildir, and the web app up."""
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    to_launching(db_url)
    for batch in due_cop_batches(UnitOfWork(db_url), now=NOW, policy=P):
        sweep_batch(UnitOfWork(db_url), batch, now=NOW, policy=P, od_manager=f"odm@{D}")
    deliver_with_settings(load_settings(), now=NOW)
    with web_server(tmp_path, db_url, port, NOW) as server:
        yield server


def reminder_link(site: Server, to: str) -> str:
    [mail] = [m for m in site.mails() if m["To"].endswith(f"<{to}>") and "the launch event" in m["Subject"]]
    return link_in(mail, site.url)




def test_a_lead_records_the_launch_from_the_link_in_her_reminder(site: Server, browser: Any, db_url: str) -> None:
    link = reminder_link(site, f"ann@{D}")
    ctx = browser.new_context(bypass_csp=True)  # axe-core is injected as a script; the CSP is tested apart
    page = ctx.new_page()
    page.goto(link)
    assert page.locator("h1").inner_text() == "The launch event"
    assert "For example" in page.locator("#field-attendance").inner_text()
    reads_well(page, "evidence form")

    page.fill("#held_on", "2025-05-01")  # a mistake: after today (2025-04-26)
    page.fill("#attendance", "42")
    page.fill("#feedback", "Keen on dashboards")
    page.click("button[type=submit]")
    beside = page.locator("#field-held_on .error-text")
    assert "in the future" in beside.inner_text()
    assert page.locator("#held_on").get_attribute("aria-invalid") == "true"
    assert page.input_value("#attendance") == "42"  # what was typed is kept
    assert page.locator("#field-attendance .error-text").count() == 0
    reads_well(page, "form with an error")
    sent_before = site.ids()

    page.fill("#held_on", "2025-04-24")
    page.click("button[type=submit]")
    assert "has moved on to the active stage" in page.locator("#notice").inner_text()
    assert "Ann Lee (ann@uni.example.org)" in page.locator(".passed").inner_text()  # named as the decision page names
    reads_well(page, "recorded")

    from copflow.services.cops import show_cop

    d = show_cop(UnitOfWork(db_url), "data-insight", NOW, P).as_dict()
    assert d["stage"] == "active"
    assert d["transitions"][-1]["by"] == f"ann@{D} (via web)"  # type: ignore[index]
    evidence = [e for e in d["evidence"] if e["gate"] == "launch_held"]  # type: ignore[attr-defined]
    assert evidence[-1]["recorded_by"] == f"ann@{D} (via web)" and evidence[-1]["payload"]["attendance"] == 42
    new = site.since(sent_before)
    changed = [m for m in new if "from the launching stage to the active stage" in text_of(m)]
    assert {m["To"].split("<")[-1].rstrip(">") for m in changed} >= {f"ann@{D}", f"bob@{D}", f"dir@{D}"}

    # Reused: the gate is passed, so the link shows what was recorded and cannot overwrite it.
    page.goto(link)
    assert "This step is done" in page.locator(".passed").inner_text()
    assert page.locator("button[type=submit]").count() == 0
    csrf = page.locator("input[name=csrf]").get_attribute("value")
    again = page.request.post(link, form={"csrf": csrf, "held_on": "2025-04-20", "attendance": "1"})
    assert again.status == 409
    page.goto(link.replace("/e/", "/c/"))  # the same link opens the CoP's page
    assert page.locator("h1").inner_text() == "Data and Insight"
    assert "Stage: active" in page.locator("#h-stage + p").inner_text()
    reads_well(page, "CoP page")
    ctx.close()

    log = site.log.read_text()
    assert "/e/[token]" in log  # the access log ran, redacted
    for token in re.findall(r"/[ecf]/([A-Za-z0-9_\-]{20,})", " ".join(text_of(m) for m in site.mails())):
        assert token not in log


def test_expired_forged_revoked_and_other_cop_links(site: Server, browser: Any, db_url: str) -> None:
    from copflow.services import cops
    from copflow.services.links import signed as links
    from copflow.services.people import members

    u = UnitOfWork
    old = links.issue(u(db_url), slug="data-insight", email=f"bob@{D}", purpose="evidence", gate="launch_held",
                      now=at(70), policy=P, web_url=site.url)  # 30 days: expired at day 100
    revoked = links.issue(u(db_url), slug="data-insight", email=f"bob@{D}", purpose="cop", now=NOW, policy=P,
                          web_url=site.url)
    assert links.revoke(u(db_url), now=NOW, link=revoked) == 1
    cops.propose_cop(u(db_url), slug="other", name="Other", now=at(100), policy=P)
    members.add_member(u(db_url), slug="other", email=f"cat@{D}", role="lead", now=at(100), policy=P, acting=OD)
    other = links.issue(u(db_url), slug="other", email=f"cat@{D}", purpose="cop", now=NOW, policy=P,
                        web_url=site.url)
    page = browser.new_page()
    answers = {}
    for name, url in (("forged", f"{site.url}/e/{'A' * 32}"), ("revoked", revoked),
                      ("other-purpose", other.replace("/c/", "/e/")),
                      ("other-cop", other.replace("/c/", "/c/") + "/gate/launch_held")):
        r = page.goto(url)
        answers[name] = (r.status, page.content())
    assert {s for s, _ in answers.values()} == {404}
    assert len({body.replace(k, "") for k, (_, body) in answers.items()}) == 1  # indistinguishable
    # A lead's link stops working once she no longer leads the CoP.
    from copflow.services.people.roster import end_membership

    members.add_member(u(db_url), slug="other", email=f"dir@{D}", role="coordinator", now=at(100), policy=P, acting=OD)
    end_membership(u(db_url), slug="other", email=f"cat@{D}", now=NOW, policy=P, acting=OD)
    assert page.goto(other).status == 404

    r = page.goto(old)
    assert r.status == 410 and "This link has expired" in page.content()
    before = site.ids()
    page.click("button[type=submit]")
    page.wait_for_url("**/renew")
    assert "A fresh link is on its way" in page.content()
    [fresh] = site.since(before)
    assert fresh["To"].endswith(f"<bob@{D}>")  # the address it was made for, and nowhere else
    new_link = link_in(fresh, site.url)
    assert new_link != old and page.goto(new_link).status == 200
    assert page.locator("h1").inner_text() == "The launch event"
    page.goto(old)
    page.click("button[type=submit]")  # asking again the same day sends nothing more
    page.wait_for_url("**/renew")
    assert len(site.since(before)) == 1 and "sent already" in page.content()
    page.close()


def test_every_form_refuses_a_post_without_its_csrf_token_and_any_upload(site: Server, browser: Any) -> None:
    link = reminder_link(site, f"bob@{D}")
    page = browser.new_page()
    r = page.goto(link)
    headers = r.headers
    assert "script-src" not in headers["content-security-policy"]
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    assert page.locator("style, script, [style]").count() == 0
    csrf = page.locator("input[name=csrf]").get_attribute("value")
    for url in (link, f"{site.url}/join/data-insight", link.replace("/e/", "/c/") + "/members"):
        refused = page.request.post(url, form={"held_on": "2025-04-24", "name": "X", "email": f"x@{D}"})
        assert refused.status == 403, url
        forged = page.request.post(url, form={"csrf": "not-the-cookie", "name": "X", "email": f"x@{D}"})
        assert forged.status == 403, url
        assert "This form has expired or did not come from this site: reload the page and send it again." \
            in forged.text()
    upload = page.request.post(link, multipart={"csrf": csrf, "held_on": "2025-04-24",
                                                "charter": {"name": "c.pdf", "mimeType": "application/pdf",
                                                            "buffer": b"%PDF"}})
    assert upload.status == 415 and "Only plain forms are accepted here (no uploads" in upload.text()
    page.close()


def test_the_hub_the_join_request_and_the_feed(site: Server, browser: Any) -> None:
    ctx = browser.new_context(bypass_csp=True)
    page = ctx.new_page()
    page.goto(site.url + "/")
    article = page.locator("article#cop-data-insight, article:has(#cop-data-insight)")
    assert "Data and Insight" in article.inner_text() and "Ann Lee" in article.inner_text()
    assert "@" not in page.locator("main").inner_text()  # the hub names people, never their addresses
    webcal = page.locator("a", has_text="Subscribe to its calendar").first.get_attribute("href")
    assert webcal == site.url.replace("http://", "webcal://") + "/feeds/data-insight.ics"
    reads_well(page, "hub")
    page.click("text=Ask to join Data and Insight")
    reads_well(page, "join form")
    page.fill("#email", "not an address")
    page.fill("#message", "I run <b>reporting</b>")
    page.click("button[type=submit]")
    assert "must not be empty" in page.locator("#err-name").inner_text()  # every problem at once
    assert "not a valid email address" in page.locator("#err-email").inner_text()
    assert page.input_value("#message") == "I run <b>reporting</b>"
    page.fill("#name", "Sam Hill")
    page.fill("#email", f"sam@{D}")
    before = site.ids()
    page.click("button[type=submit]")
    assert "leads have your request" in page.content()
    asks = site.since(before)
    assert sorted(m["To"].split("<")[-1].rstrip(">") for m in asks) == [f"ann@{D}", f"bob@{D}"]
    assert "I run <b>reporting</b>" in text_of(asks[0]) and "/c/" in text_of(asks[0])
    html = next(p for p in asks[0].walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    assert "I run &lt;b&gt;reporting&lt;/b&gt;" in html  # escaped in the HTML part
    ctx.close()

    import urllib.request
    from datetime import datetime, time, timedelta

    from copflow.services.meetings.series import schedule
    from copflow.services.snapshots import get_cop
    from tests.interop.icaljs import read_with_icaljs

    with UnitOfWork(site.env["COPFLOW_DATABASE_URL"]) as u:  # the launch event: public, unlike the check-ins
        schedule(u.session, get_cop(u.session, "data-insight", for_write=True), "launch",
                 datetime.combine(NOW.date() + timedelta(days=3), time(12)), now=NOW, policy=P,
                 location="Room 1 or https://teams.example.org/l/launch")
        u.commit()
    with urllib.request.urlopen(site.url + "/feeds/data-insight.ics") as r:
        feed, etag = r.read().decode(), r.headers["ETag"]
        assert r.headers["Content-Type"].startswith("text/calendar") and r.headers["Last-Modified"]
    assert "mailto:" not in feed and "ATTENDEE" not in feed and "teams.example.org" not in feed
    [read] = read_with_icaljs([feed], count=3)
    assert read["method"] == "PUBLISH" and read["events"], read
    assert [e["summary"] for e in read["events"]] == ["Launch event: Data and Insight"]  # no private meeting
    assert read["events"][0]["location"] == "Room 1, or online" and read["events"][0]["url"] is None
    assert any(e["occurrences"] for e in read["events"])
    req = urllib.request.Request(site.url + "/feeds/data-insight.ics", headers={"If-None-Match": etag})
    try:
        urllib.request.urlopen(req)
        raise AssertionError("expected 304 Not Modified")
    except urllib.error.HTTPError as exc:
        assert exc.code == 304


def test_forms_work_with_the_keyboard_alone(site: Server, browser: Any) -> None:
    """Tab reaches every field in order and then the button; typing and Enter record the evidence."""
    link = reminder_link(site, f"ann@{D}")
    page = browser.new_page(locale="en-US")
    page.goto(link)

    def focused() -> str:
        return str(page.evaluate("document.activeElement.id || document.activeElement.tagName"))

    order: list[str] = []
    for _ in range(15):
        page.keyboard.press("Tab")
        if not order or order[-1] != focused():  # a date field's month, day and year are stops of one field
            order.append(focused())
        if order[-1] == "BUTTON":
            break
    assert [x for x in order if x in ("held_on", "attendance", "feedback", "BUTTON")] == \
        ["held_on", "attendance", "feedback", "BUTTON"]

    page.goto(link)
    while focused() != "held_on":
        page.keyboard.press("Tab")
    page.keyboard.type("04242025")  # month, day, year: Chromium's date field moves on by itself
    assert page.input_value("#held_on") == "2025-04-24"
    for _ in range(3):  # past the field's remaining segments
        if focused() == "attendance":
            break
        page.keyboard.press("Tab")
    assert focused() == "attendance"
    page.keyboard.type("30")
    page.keyboard.press("Tab")
    page.keyboard.type("Good turnout")
    page.keyboard.press("Tab")
    assert focused() == "BUTTON"
    page.keyboard.press("Enter")
    page.wait_for_selector("#notice")
    assert "has moved on to the active stage" in page.locator("#notice").inner_text(), page.content()
    page.close()


def test_a_lead_keeps_the_roster_and_takes_a_private_feed_from_the_cop_page(site: Server, browser: Any,
                                                                            db_url: str) -> None:
    cop_page = reminder_link(site, f"bob@{D}").replace("/e/", "/c/")
    ctx = browser.new_context(bypass_csp=True)
    page = ctx.new_page()
    page.goto(cop_page)
    assert "Next: the launch event, due by Friday 2 May 2025" in page.locator("#h-stage + p").inner_text()
    assert "Version 1.0" in page.locator("section[aria-labelledby=h-charter]").inner_text()
    page.fill("#add-email", "not an address")
    page.click("text=Add to the roster")
    assert "not a valid email address" in page.locator("#err-add-email").inner_text()
    reads_well(page, "roster error")
    page.fill("#add-email", f"eve@{D}")
    page.fill("#add-name", "Eve <i>Moss</i>")
    page.click("text=Add to the roster")
    assert "must not contain < or >" in page.locator("#err-add-name").inner_text()  # the services' own rule
    page.fill("#add-email", f"eve@{D}")
    page.fill("#add-name", "Eve Moss")
    page.select_option("#add-role", "wider")
    page.click("text=Add to the roster")
    roster = page.locator("table").inner_text()
    assert "Eve Moss" in roster and "Member" in roster
    page.select_option("#leave-email", f"cat@{D}")
    page.click("text=Record that they left")
    assert "cat@uni.example.org has left the community (core group member)" in page.locator(".notice").inner_text()
    assert f"cat@{D}" not in page.locator("table").inner_text()

    from copflow.services.cops import show_cop

    d = show_cop(UnitOfWork(db_url), "data-insight", NOW, P).as_dict()
    assert {(m["email"], m["role"]) for m in d["members"]} >= {(f"eve@{D}", "wider")}  # type: ignore[attr-defined]
    assert [m["email"] for m in d["former_members"]] == [f"cat@{D}"]  # type: ignore[index]

    page.click("text=Get my private calendar feed")
    feed_url = page.locator(".feed code").inner_text()
    assert feed_url.startswith(site.url + "/f/") and feed_url.endswith(".ics")
    reads_well(page, "CoP page with its feed")
    ctx.close()
    import urllib.request

    from tests.interop.icaljs import read_with_icaljs

    with urllib.request.urlopen(feed_url) as r:
        feed = r.read().decode()
    assert "mailto:" not in feed and "Review meeting" in feed
    [read] = read_with_icaljs([feed], count=2)
    assert {e["uid"] for e in read["events"]} and all(e["occurrences"] for e in read["events"])


def test_error_pages_are_accessible_and_the_token_pages_are_rate_limited(db_url: str, tmp_path: Path,
                                                                          browser: Any) -> None:
    to_launching(db_url)
    port = free_port()
    with web_server(tmp_path, db_url, port, NOW, "--rate-limit", "5") as server:
        ctx = browser.new_context(bypass_csp=True)
        page = ctx.new_page()
        assert page.goto(f"{server.url}/e/{'x' * 32}").status == 404
        reads_well(page, "not found")
        from copflow.services.links import signed as links

        old = links.issue(UnitOfWork(db_url), slug="data-insight", email=f"bob@{D}", purpose="cop", now=at(1),
                          policy=P, web_url=server.url)
        assert page.goto(old).status == 410
        reads_well(page, "expired")
        page.click("button[type=submit]")
        reads_well(page, "fresh link sent")
        statuses = [page.goto(f"{server.url}/e/{'y' * 32}").status for _ in range(4)]
        assert statuses[-1] == 429  # the sixth request to a token page within a minute
        assert page.goto(server.url + "/").status == 200  # the hub is not limited
        ctx.close()


def test_behind_sso_a_link_works_only_for_the_signed_in_person_it_was_made_for(db_url: str, tmp_path: Path) -> None:
    import urllib.error
    import urllib.request

    from copflow.services.links import signed as links
    from tests.e2e.webapp import server_env

    to_launching(db_url)
    port = free_port()
    env = {**server_env(tmp_path, db_url, port, NOW), "COPFLOW_WEB_TRUSTED_USER_HEADER": "X-Forwarded-Email"}
    with web_server(tmp_path, db_url, port, NOW, env=env) as server:
        link = links.issue(UnitOfWork(db_url), slug="data-insight", email=f"bob@{D}", purpose="cop", now=NOW,
                           policy=P, web_url=server.url)

        def status(user: str) -> int:
            req = urllib.request.Request(link, headers={"X-Forwarded-Email": user})
            try:
                with urllib.request.urlopen(req) as r:
                    assert f"Signed in as {user.lower()}" in r.read().decode()
                    return int(r.status)
            except urllib.error.HTTPError as exc:
                return exc.code

        assert status(f"Bob@{D}") == 200
        assert status(f"ann@{D}") == 404  # a forwarded link: same answer as an unknown one


def test_an_empty_evidence_form_records_nothing_and_says_what_each_field_needs(site: Server, browser: Any,
                                                                               db_url: str) -> None:
    from copflow.services.cops import show_cop

    page = browser.new_page()
    page.goto(reminder_link(site, f"ann@{D}"))
    page.click("button[type=submit]")
    notice = page.locator("#notice").inner_text()
    assert notice.startswith("Nothing was recorded") and "Recorded." not in notice
    assert page.locator("#field-held_on .error-text").inner_text().strip().endswith("No launch date")
    assert "No attendance count" in page.locator("#field-attendance .error-text").inner_text()
    d = show_cop(UnitOfWork(db_url), "data-insight", NOW, P).as_dict()
    assert not [e for e in d["evidence"] if e["gate"] == "launch_held"]  # type: ignore[attr-defined]
    page.close()


def test_the_cop_page_fits_a_phone_and_its_forms_say_plainly_what_is_wrong(site: Server, browser: Any,
                                                                           db_url: str) -> None:
    from sqlalchemy import select

    from copflow.db.models import MeetingSeries

    teams = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_" + "NjQ2ZTc5YzYtZjA4" * 10 + "%40thread.v2/0"
    with UnitOfWork(db_url) as u:
        u.session.scalars(select(MeetingSeries)).first().location = f"Room 2.14 or {teams}"  # type: ignore[union-attr]
        u.session.commit()
    cop_page = reminder_link(site, f"bob@{D}").replace("/e/", "/c/")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(cop_page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing scrolls sideways
    assert page.locator(f"a[href='{teams}']").inner_text() == "Join online"  # a link's words, never the raw URL
    assert "Room 2.14" in page.locator("main").inner_text() and "teams.microsoft" not in page.locator("main").inner_text()
    lines = "e => { const r = document.createRange(); r.selectNodeContents(e); return r.getClientRects().length }"
    assert page.locator("td", has_text="Coordinator").first.evaluate(lines) == 1  # the word is never broken
    page.screenshot(path=str(site.log.parent / "cop-390.png"), full_page=True)

    # "Someone has left" names nobody until a person is chosen.
    members = page.locator("table").inner_text()
    assert page.input_value("#leave-email") == ""
    page.click("text=Record that they left")
    assert page.locator("#err-leave-email").inner_text() == "Choose who has left."
    assert page.locator("#leave-email").get_attribute("aria-invalid") == "true"
    assert page.locator("table").inner_text() == members
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    r = page.request.post(f"{cop_page}/members", form={"csrf": csrf, "action": "leave", "email": "nobody@evil.org"})
    assert r.status == 422 and "Nobody with the address nobody@evil.org is known here." in r.text()

    # The action form: every message one sentence naming its field, the CoP by its name; inputs carry the limits.
    assert page.locator("#new-title").get_attribute("maxlength") == "200"
    r = page.request.post(f"{cop_page}/actions", form={"csrf": csrf, "title": "Book a room", "due": "2025-06-02",
                                                       "owner": "nobody@evil.org"})
    assert "The owner nobody@evil.org is not a current member of Data and Insight." in r.text()
    r = page.request.post(f"{cop_page}/actions", form={"csrf": csrf, "title": "x" * 201, "due": "2025-06-02",
                                                       "owner": f"bob@{D}"})
    assert "The title is longer than 200 characters." in r.text()

    # The private feed is shown in the notice at the top, where the page says it is.
    page.set_viewport_size({"width": 1440, "height": 900})
    page.click("text=Get my private calendar feed")
    notice = page.locator(".notice")
    assert "shown only once, here" in notice.inner_text()
    assert notice.locator(".feed code").inner_text().startswith(site.url + "/f/")
    assert notice.bounding_box()["y"] < 400
    page.screenshot(path=str(site.log.parent / "cop-1440.png"), full_page=True)
    page.close()


def test_the_last_gate_recorded_from_the_cop_page_moves_the_cop_on_and_mails_it(site: Server, browser: Any,
                                                                                 db_url: str) -> None:
    """Issue 28, break 14: the launch recorded from the CoP page's own form (/c/<token>/gate/<gate>) moves the CoP
    on, says so (not a 409 "this link does not exist"), and the stage change's mail is sent at once."""
    from sqlalchemy import func, select

    from copflow.db.models import Notification
    from copflow.services.links import signed as links

    # The CoP page's own link (as the join-request and digest mails carry), not an evidence link opened on it.
    cop_page = links.issue(UnitOfWork(db_url), slug="data-insight", email=f"ann@{D}", purpose="cop", now=NOW,
                           policy=P, web_url=site.url)
    page = browser.new_page()
    page.goto(cop_page)
    page.click("a[href$='/gate/launch_held']")
    assert page.locator("h1").inner_text() == "The launch event"
    page.fill("#held_on", "2025-04-24")
    page.fill("#attendance", "42")
    page.fill("#feedback", "Keen on dashboards")
    before = site.ids()
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 200, page.content()
    assert "has moved on to the active stage" in page.locator("#notice").inner_text()
    assert "Ann Lee (ann@uni.example.org)" in page.locator(".passed").inner_text()  # named as the decision page names
    changed = [m for m in site.since(before) if "from the launching stage to the active stage" in text_of(m)]
    assert {m["To"].split("<")[-1].rstrip(">") for m in changed} >= {f"ann@{D}", f"bob@{D}", f"dir@{D}"}
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "stage_changed", Notification.status == "pending")) == 0
    page.goto(cop_page)  # the CoP page reads the new stage at once (nothing stale kept)
    assert "Stage: active" in page.locator("#h-stage + p").inner_text()
    page.close()
