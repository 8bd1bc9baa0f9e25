"""The action plan on the web, in a real browser (Debian's Chromium against `copflow web` in its own process), on
SQLite and PostgreSQL: the leads keep the plan on the CoP's page; an owner marks their action done from their
own link (taken from a real reminder) and finds it done in the next check-in's agenda. Every write is the
actions service's, recorded as the link's holder "via web"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from copflow.db.uow import UnitOfWork
from copflow.services.actions.plan import action_history, add_action, list_actions
from copflow.services.actions.reminders import remind_owners
from copflow.services.briefs.queue import queue_briefs
from copflow.services.links import signed as links
from copflow.services.mail.delivery import deliver_with_settings
from copflow.settings import load_settings
from tests.acting import OD
from tests.e2e.webapp import Server, link_in, reads_well, settings_for_site, text_of, web_server
from tests.integration.helpers import D, P, at, to_active

NOW = at(130)  # 2025-05-16: data-insight is active, its charter's targets "1 seminar" and "2 blog posts"


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """data-insight active with three actions: two of Cat's (one overdue by now, one due in 3 days) and Bob's;
    the sweep's owner reminders delivered to the Maildir."""
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    to_active(db_url)
    add_action(UnitOfWork(db_url), slug="data-insight", title="Book the seminar room", owner=f"cat@{D}",
               due_on=date(2025, 5, 12), who=f"ann@{D}", via="cli", now=at(120), target="1 seminar")
    add_action(UnitOfWork(db_url), slug="data-insight", title="Draft the first blog post", owner=f"bob@{D}",
               due_on=date(2025, 6, 2), who=f"ann@{D}", via="cli", now=at(120))
    add_action(UnitOfWork(db_url), slug="data-insight", title="Order name badges", owner=f"cat@{D}",
               due_on=date(2025, 5, 19), who=f"ann@{D}", via="cli", now=at(120))
    assert remind_owners(UnitOfWork(db_url), now=NOW, policy=P).queued == 1  # 3 days before: Cat's badges
    deliver_with_settings(load_settings(), now=NOW)
    with web_server(tmp_path, db_url, port, NOW) as server:
        yield server




def test_the_leads_keep_the_action_plan_on_the_cop_page(site: Server, browser: Any, db_url: str) -> None:
    link = links.issue(UnitOfWork(db_url), slug="data-insight", email=f"ann@{D}", purpose="cop", now=NOW, policy=P,
                       web_url=site.url)
    ctx = browser.new_context(bypass_csp=True)  # axe-core is injected as a script; the CSP is tested apart
    page = ctx.new_page()
    page.goto(link)
    plan = page.locator("table.plan tbody tr")
    assert plan.count() == 3
    first = plan.nth(0).inner_text()
    assert "Book the seminar room" in first and "overdue" in first and "Monday 12 May 2025" in first
    reads_well(page, "CoP page with its plan")

    # Everything missing at once, each beside its field; what was typed stays.
    page.fill("#new-notes", "Ask the library first")
    page.click("text=Add the action")
    for field in ("title", "owner", "due"):
        assert page.locator(f"#err-new-{field}").is_visible(), field
    assert page.input_value("#new-notes") == "Ask the library first"
    reads_well(page, "plan with errors")
    # The service's own rule, beside its field: a due date in the past.
    page.fill("#new-title", "Write the <b>toolkit</b> outline")
    page.select_option("#new-owner", f"cat@{D}")
    page.fill("#new-due", "2025-05-01")
    page.click("text=Add the action")
    assert "past" in page.locator("#err-new-due").inner_text()
    page.fill("#new-due", "2025-07-01")
    page.select_option("#new-target", "2 blog posts")
    page.click("text=Add the action")
    assert "Added: Write the <b>toolkit</b> outline, for Cat Ng." in page.locator("#notice").inner_text()  # escaped
    assert page.locator("table.plan tbody tr").count() == 4

    row = page.locator("tr", has_text="Draft the first blog post")
    row.locator("input[name=note]").fill("Published on the intranet")
    row.locator("button[value=done]").click()
    assert "Draft the first blog post: done." in page.locator("#notice").inner_text()
    assert "Draft the first blog post (Bob Kay): done" in page.locator(".closed-actions").inner_text()
    reads_well(page, "plan after done")
    page.locator("li", has_text="Draft the first blog post").locator("button[value=open]").click()
    assert "Draft the first blog post: reopened." in page.locator("#notice").inner_text()
    [bob] = list_actions(UnitOfWork(db_url), slug="data-insight", now=NOW, owner=f"bob@{D}")
    history = action_history(UnitOfWork(db_url), action_id=bob.id)
    assert [(e.kind, e.by, e.via, e.note) for e in history[1:]] == [
        ("done", f"ann@{D}", "web", "Published on the intranet"), ("reopened", f"ann@{D}", "web", None)]
    ctx.close()


def test_an_owner_marks_their_action_done_from_the_link_in_their_reminder(site: Server, browser: Any,
                                                                          db_url: str) -> None:
    [mail] = [m for m in site.mails() if m["To"].endswith(f"<cat@{D}>") and "Order name badges" in text_of(m)]
    link = link_in(mail, site.url)
    assert "/a/" in link
    ctx = browser.new_context(bypass_csp=True)
    page = ctx.new_page()
    page.goto(link)
    body = page.inner_text("main")
    assert "Book the seminar room" in body and "Order name badges" in body
    assert "Draft the first blog post" not in body  # only their own
    reads_well(page, "owner's page")

    # Keyboard alone: Tab to the note, type it, Tab to "Done", Enter.
    def focused() -> str:
        return str(page.evaluate("document.activeElement.id || document.activeElement.textContent"))

    for _ in range(20):
        page.keyboard.press("Tab")
        if focused().startswith("note-"):
            break
    page.keyboard.type("Room 2.14 booked for 3 June")
    page.keyboard.press("Tab")
    assert focused().startswith("Done")
    page.keyboard.press("Enter")
    page.wait_for_selector("#notice")
    assert "Book the seminar room: done." in page.locator("#notice").inner_text()
    assert "Your note, kept with it: Room 2.14 booked for 3 June." in page.locator("#notice").inner_text()
    assert "Book the seminar room: done" in page.locator("main ul").last.inner_text()  # under done or dropped
    assert page.locator("section.action").count() == 1  # the badges are still open
    reads_well(page, "owner's page after done")
    [cat] = list_actions(UnitOfWork(db_url), slug="data-insight", now=NOW, owner=f"cat@{D}", status="done")
    assert cat.title == "Book the seminar room"
    last = action_history(UnitOfWork(db_url), action_id=cat.id)[-1]
    assert (last.by, last.via, last.note) == (f"cat@{D}", "web", "Room 2.14 booked for 3 June")

    # Another owner's action is not theirs to change: the same 404 as an unknown one; nothing written.
    [bob] = list_actions(UnitOfWork(db_url), slug="data-insight", now=NOW, owner=f"bob@{D}")
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")  # the page's token (not the cookie)
    r = page.request.post(f"{link}/{bob.id}", form={"csrf": csrf, "status": "dropped", "version": str(bob.version)})
    assert r.status == 404
    assert list_actions(UnitOfWork(db_url), slug="data-insight", now=NOW, owner=f"bob@{D}")[0].status == "open"
    # A form read before someone else's change is refused beside the action, not written over.
    r = page.request.post(f"{link}/{cat.id}", form={"csrf": csrf, "status": "open", "version": "0"})
    assert r.status == 409 and "changed this action meanwhile" in r.text()
    ctx.close()
    assert link.rsplit("/", 1)[-1] not in site.log.read_text()  # the access log redacts the token

    # The next check-in's agenda (the sweep's queue_briefs, days before it) lists it as done since the last one.
    before = site.ids()
    day = next(d for d in range(131, 200) if queue_briefs(UnitOfWork(db_url), now=at(d), policy=P).agendas)
    deliver_with_settings(load_settings(), now=at(day))
    [agenda] = [m for m in site.since(before) if m["To"].endswith(f"<ann@{D}>")
                and "meets for its check-in" in text_of(m)]
    text = text_of(agenda)
    done = text.split("2. DONE", 1)[1].split("3. EVENTS", 1)[0]
    assert "Book the seminar room" in done and "Order name badges" not in done, text
    assert "Order name badges" in text.split("2. DONE", 1)[0]  # still on the plan


def test_an_owner_link_stops_working_once_they_leave(site: Server, browser: Any, db_url: str) -> None:
    from copflow.services.people.roster import end_membership

    link = links.issue(UnitOfWork(db_url), slug="data-insight", email=f"cat@{D}", purpose="actions", now=NOW,
                       policy=P, web_url=site.url)
    page = browser.new_page()
    assert page.goto(link).status == 200
    assert page.goto(link.replace("/a/", "/c/")).status == 404  # not a lead: no CoP page from this link
    end_membership(UnitOfWork(db_url), slug="data-insight", email=f"cat@{D}", now=NOW, policy=P, acting=OD)
    page.wait_for_timeout(2100)  # the view cache's window
    assert page.goto(link).status == 404
    page.close()


def test_an_owner_who_will_not_make_the_date_moves_it_and_says_why(site: Server, browser: Any, db_url: str) -> None:
    [mail] = [m for m in site.mails() if m["To"].endswith(f"<cat@{D}>") and "Order name badges" in text_of(m)]
    assert "say so on the same page" in text_of(mail)  # what the reminder promises, the page now offers
    link = link_in(mail, site.url)
    [badges] = [a for a in list_actions(UnitOfWork(db_url), slug="data-insight", now=NOW, owner=f"cat@{D}")
                if a.title == "Order name badges"]
    ctx = browser.new_context(bypass_csp=True)  # axe-core is injected as a script
    page = ctx.new_page()
    page.goto(link)
    row = page.locator(f"#action-{badges.id}")
    row.locator("button", has_text="Move the due date").click()  # neither a date nor why: nothing written
    assert "Give the new due date and a note saying why" in page.locator(f"#err-action-{badges.id}").inner_text()
    row = page.locator(f"#action-{badges.id}")
    row.locator("input[name=due]").fill("2025-05-30")
    row.locator("input[name=note]").fill("The supplier is out of stock until the 28th")
    row.locator("button", has_text="Move the due date").click()
    notice = page.locator("#notice").inner_text()
    assert "Order name badges: now due by Friday 30 May 2025." in notice
    assert "The supplier is out of stock until the 28th" in page.locator(f"#action-{badges.id}").inner_text()
    reads_well(page, "owner's page after a move")
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(site.log.parent / f"owner-{width}.png"), full_page=True)
    ctx.close()
    [moved] = [a for a in list_actions(UnitOfWork(db_url), slug="data-insight", now=NOW, owner=f"cat@{D}")
               if a.id == badges.id]
    assert moved.due_on == date(2025, 5, 30) and moved.status == "open"
    assert moved.notes and "The supplier is out of stock until the 28th (moved from Monday 19 May 2025" in moved.notes
    last = action_history(UnitOfWork(db_url), action_id=badges.id)[-1]
    assert (last.by, last.via, last.kind) == (f"cat@{D}", "web", "edited")
    lead = browser.new_page()  # the leads read it on the plan
    lead.goto(links.issue(UnitOfWork(db_url), slug="data-insight", email=f"ann@{D}", purpose="cop", now=NOW,
                          policy=P, web_url=site.url))
    assert "The supplier is out of stock until the 28th" in lead.locator("table.plan").inner_text()
    lead.close()
