"""The OD manager decides a review from the link in the evaluation mail, in a real browser (Debian's Chromium
against `copflow web` in its own process), on SQLite and PostgreSQL; the daily digest carries the same kind of
link and one to each overdue CoP's page."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from copflow.db.models import TransitionRecord
from copflow.db.uow import UnitOfWork
from copflow.services.evaluation.review_report import evaluate_cop
from copflow.services.mail.delivery import deliver_with_settings
from copflow.settings import load_settings
from notifications.vocabulary import long_date
from tests.e2e.webapp import Server, link_in, reads_well, settings_for_site, text_of, web_server
from tests.integration.helpers import D, P, at
from tests.integration.test_closure import REVIEW_DAY, under_review
from tests.integration.test_evaluation import EVAL_DAY, evidence

NOW = at(EVAL_DAY)


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """data-insight under review, its evaluation mailed (the OD manager's copy with the decision link)."""
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    under_review(db_url)
    evidence(db_url, tmp_path)
    evaluate_cop(UnitOfWork(db_url), slug="data-insight", now=NOW, policy=P, reports_dir=tmp_path / "reports",
                 od_manager=f"odm@{D}")
    deliver_with_settings(load_settings(), now=NOW)
    with web_server(tmp_path, db_url, port, NOW) as server:
        yield server


def evaluation_mail(site: Server, to: str) -> Message:
    [mail] = [m for m in site.mails() if m["To"].endswith(f"<{to}>") and "evaluation" in text_of(m).lower()]
    return mail




def transitions(db_url: str) -> int:
    with UnitOfWork(db_url) as u:
        return int(u.session.scalar(select(func.count()).select_from(TransitionRecord)) or 0)


def test_the_od_manager_decides_the_review_from_the_evaluation_mail(site: Server, browser: Any, db_url: str) -> None:
    link = link_in(evaluation_mail(site, f"odm@{D}"), site.url)
    assert "/d/" in link
    lead_mail = evaluation_mail(site, f"ann@{D}")
    assert "/d/" not in text_of(lead_mail)  # the leads are told, not asked to decide
    ctx = browser.new_context(bypass_csp=True)  # axe-core is injected as a script; the CSP is tested apart
    page = ctx.new_page()
    count = transitions(db_url)
    page.goto(link)
    body = page.inner_text("main")
    assert "It recommends" in body and "Your decision is due by" in body
    deadline = at(REVIEW_DAY).date() + timedelta(weeks=P.review_decision_weeks)
    assert long_date(deadline) in body  # in words, from the review's opening and the policy
    assert "Weaknesses" in body or "Strengths" in body
    assert f"You are deciding as Oda Mann (odm@{D})." in body  # the person, not an address alone
    reads_well(page, "decision form")

    # Everything missing at once, each beside its field; nothing decided.
    page.check("#decision-close")
    page.click("button[type=submit]")
    assert page.locator("#err-reason").inner_text().startswith("Say why")
    assert "closing date" in page.locator("#err-closing_date").inner_text()
    assert page.is_checked("#decision-close")  # what was chosen stays chosen
    reads_well(page, "decision with errors")
    # The service's own rule (the notice period), beside the closing date.
    page.fill("#reason", "It met its aims")  # too short to close a community by: said with the rest
    page.fill("#closing_date", "2026-03-25")
    page.click("button[type=submit]")
    assert "at least 4 words and 20 characters" in page.locator("#err-reason").inner_text()
    assert "Wednesday 25 March 2026 is too soon: members get" in page.locator("#err-closing_date").inner_text()
    page.fill("#closing_date", "2026-03-22")  # a Sunday, before today (Tuesday 24 March)
    page.click("button[type=submit]")
    earliest = long_date(NOW.date() + timedelta(weeks=P.notice_period_weeks))
    assert page.locator("#err-closing_date").inner_text() == (
        "Sunday 22 March 2026 is in the past (moved to the next working day, Monday 23 March 2026): members get "
        f"{P.notice_period_weeks} weeks' notice, so the earliest closing date is {earliest}.")
    assert transitions(db_url) == count  # refused: nothing written
    before = site.ids()

    csrf = page.locator("input[name=csrf]").get_attribute("value")  # this link's token, for the POST below
    page.check("#decision-pass")
    page.fill("#reason", "Targets met; members keen to go on")
    page.click("button[type=submit]")
    # Against the evaluation's recommendation: asked first, naming who is told; nothing written yet.
    assert "goes against the evaluation" in page.locator("#against").inner_text()
    assert f"Ann Lee (ann@{D})" in page.locator("#told").inner_text()
    assert transitions(db_url) == count and site.since(before) == []
    reads_well(page, "decision to confirm")
    page.click("#confirm-send")
    page.wait_for_selector("#decided")
    assert "Decided: pass" in page.locator("#notice").inner_text()
    reads_well(page, "decided")
    with UnitOfWork(db_url) as u:
        last = u.session.scalar(select(TransitionRecord).order_by(TransitionRecord.id.desc()).limit(1))
        assert last is not None and (last.from_stage, last.to_stage) == ("reviewing", "active")
        assert last.by == f"odm@{D} (via web)"
    changed = [m for m in site.since(before) if "active stage" in str(m["Subject"])]
    assert changed, [m["Subject"] for m in site.since(before)]  # the same mail as `review decide` sends

    # The link now shows what was decided and cannot decide again.
    page.goto(link)
    assert "cannot be decided again" in page.inner_text("main")
    assert f"Decided by Oda Mann (odm@{D}) on " in page.locator("#decided").inner_text()
    assert page.locator("form[method=post] button[type=submit]").count() == 0
    count = transitions(db_url)
    r = page.request.post(link, form={"csrf": csrf, "decision": "close", "reason": "again, as the review found",
                                      "closing_date": "2027-01-01"})
    assert r.status == 409 and "cannot be decided again" in r.text() and transitions(db_url) == count
    ctx.close()
    token = link.rsplit("/", 1)[-1]
    assert token not in site.log.read_text() and "/d/[token]" in site.log.read_text()  # the access log redacts


def test_a_decision_link_works_only_for_the_od_manager_of_that_review(site: Server, browser: Any,
                                                                       db_url: str) -> None:
    from copflow.services.errors import InvalidInput
    from copflow.services.links import signed as links
    from copflow.services.snapshots import get_cop

    with pytest.raises(InvalidInput, match="not the OD manager"):  # `copflow links issue` makes no such link
        links.issue(UnitOfWork(db_url), slug="data-insight", email=f"ann@{D}", purpose="decision", now=NOW,
                    policy=P, web_url=site.url)
    with UnitOfWork(db_url) as u:  # as if one had been made before that check, or its holder's role changed since
        lead = links.issue_link(u.session, email=f"ann@{D}", cop=get_cop(u.session, "data-insight"),
                                purpose="decision", now=NOW, policy=P, web_url=site.url)
        u.commit()
    page = browser.new_page()
    assert page.goto(lead).status == 404  # a lead holding a decision link (forwarded) cannot decide
    od = link_in(evaluation_mail(site, f"odm@{D}"), site.url)
    assert page.goto(od.replace("/d/", "/e/")).status == 404  # another purpose's path
    assert page.goto(od).status == 200
    page.close()


def test_the_digest_links_each_waiting_review_and_each_overdue_cop(site: Server, browser: Any,
                                                                    db_url: str) -> None:
    from copflow.services.mail.digest import Digest, send_digest, waiting_reviews

    reviews, _ = waiting_reviews(UnitOfWork(db_url), now=NOW, policy=P)
    escalation = {"slug": "data-insight", "name": "Data and Insight", "leads": ["Ann Lee"], "sponsors": ["Dee Ray"],
                  "items": [{"gate": "review_passed", "due_on": "2026-03-30", "days": 3, "audience": "od_manager",
                             "reason": None, "leads_told_on": None, "sponsor_told_on": None}]}
    digest = Digest(on=NOW.date().isoformat(), reviews=reviews, escalations=[escalation])
    before = site.ids()
    assert send_digest(UnitOfWork(db_url), digest, to=f"odm@{D}", now=NOW, policy=P)
    assert not send_digest(UnitOfWork(db_url), digest, to=f"odm@{D}", now=NOW, policy=P)  # once a day
    deliver_with_settings(load_settings(), now=NOW)
    [mail] = [m for m in site.since(before) if m["To"].endswith(f"<odm@{D}>")]
    text = text_of(mail)
    assert "Decide: " + site.url + "/d/" in text and "Its page (stage, roster, what is missing): " in text
    assert "copflow review decide" not in text
    page = browser.new_page()
    decide = next(w for w in text.split() if w.startswith(site.url + "/d/"))
    cop = next(w for w in text.split() if w.startswith(site.url + "/c/"))
    assert page.goto(decide).status == 200 and "It recommends" in page.inner_text("main")
    # The OD manager is no lead, yet may open the CoP's page from the digest.
    assert page.goto(cop).status == 200 and "Data and Insight" in page.locator("h1").inner_text()
    assert "review" in page.inner_text("#h-stage + p")
    page.close()


def test_the_decision_page_links_the_report_which_then_carries_the_decision(site: Server, browser: Any,
                                                                            tmp_path: Path) -> None:
    """The page links the review's report by the same signed link (no "see the attachment"): its HTML under the
    web's strict CSP (the stylesheet from /static), its PDF as a download; once decided, both carry the decision."""
    import subprocess

    from tests.e2e.test_report_browser import all_axe_violations

    link = link_in(evaluation_mail(site, f"odm@{D}"), site.url)
    ctx = browser.new_context(bypass_csp=True)  # axe-core is injected as a script
    page = ctx.new_page()
    page.goto(link)
    assert "attached to the evaluation mail" not in page.inner_text("main")
    page.click("#report-link")
    assert page.url == link + "/report"
    assert page.locator("h1").inner_text() == "Review of Data and Insight" and page.locator("#decision").count() == 0
    assert all_axe_violations(page) == []
    strict = page.request.get(link + "/report")
    assert "style-src 'self'" in strict.headers["content-security-policy"] and "<style>" not in strict.text()
    assert strict.headers["cache-control"] == "no-store"
    badge = page.locator("#recommendation")
    assert badge.evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"  # /static/report.css applied

    page.goto(link)
    page.check("#decision-pass")
    page.fill("#reason", "Targets met; members keen to go on")
    page.click("button[type=submit]")
    page.click("#confirm-send")  # against the recommendation: confirmed (the first test reads the step)
    page.wait_for_selector("#decided")
    page.click("#report-link")
    decided = page.inner_text("#decision")
    assert decided.startswith("Decision: pass") and f"Decided by Oda Mann (odm@{D}) on " in decided
    assert "Why: Targets met; members keen to go on" in decided
    pdf = page.request.get(link + "/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == 'attachment; filename="data-insight-review-2026-03-24.pdf"'
    (tmp_path / "decided.pdf").write_bytes(pdf.body())
    text = subprocess.run(["pdftotext", str(tmp_path / "decided.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Decision: pass" in text and "Targets met; members keen to go on" in text
    docx = page.request.get(link + "/report.docx")  # the same report, as a Word document to edit
    assert docx.headers["content-disposition"] == 'attachment; filename="data-insight-review-2026-03-24.docx"'
    from docx import Document

    word = "\n".join(p.text for p in Document(io.BytesIO(docx.body())).paragraphs)
    assert "Decision: pass" in word and "Why: Targets met; members keen to go on" in word
    assert page.request.get(link.replace("/d/", "/e/") + "/report").status == 404  # another purpose's path
    ctx.close()
