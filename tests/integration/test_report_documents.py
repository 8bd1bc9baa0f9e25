"""Documents are never silently missing, and the decision is on the report (issue 24), on SQLite and PostgreSQL:
a report whose PDF cannot be made is said to follow, kept with its reason, listed in the OD manager's digest and
sent by the next sweep; the decision (what, who, when, why) is written onto the report's HTML, Markdown and PDF;
a closure archived with an uncompleted lessons draft is said so."""

from __future__ import annotations

import base64
import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from copflow.db.models import Document, DocumentFailure, Link, Notification, Person
from copflow.db.uow import UnitOfWork
from copflow.services.archiving import close_cop
from copflow.services.closing.lessons import only_drafted, save_lessons
from copflow.services.closing.notice import LESSONS_DOCX
from copflow.services.document_failures import missing_documents, record_failure
from copflow.services.evaluation.review_report import evaluate_cop
from copflow.services.mail.digest import Digest, send_digest
from copflow.services.reviews.decide import decide_review
from copflow.services.reviews.evolve import Child, split
from copflow.services.snapshots import get_cop
from copflow.services.sweep.missing_documents import send_missing
from notifications import pdf as pdf_module
from tests.integration.helpers import D, P, at
from tests.integration.test_closure import REVIEW_DAY, under_review
from tests.integration.test_evaluation import EVAL_DAY, evidence


def mails(url: str, kind: str) -> list[Notification]:
    with UnitOfWork(url) as u:
        return list(u.session.scalars(select(Notification).where(Notification.kind == kind)
                                      .order_by(Notification.id)))


def pdf_text(data: bytes, tmp_path: Path) -> str:
    (tmp_path / "x.pdf").write_bytes(data)
    return " ".join(subprocess.run(["pdftotext", str(tmp_path / "x.pdf"), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def digest_body(url: str, day: int) -> str:
    missing = [d.__dict__ for d in missing_documents(UnitOfWork(url))]
    digest = Digest(on=at(day).date().isoformat(), documents_missing=missing)
    assert send_digest(UnitOfWork(url), digest, to=f"odm@{D}", now=at(day), policy=P) is bool(missing)
    found = [m for m in mails(url, "od_digest") if m.idempotency_key == f"digest/{digest.on}/odm@{D}"]
    return found[0].body_text if found else ""


def test_a_report_that_cannot_be_typeset_is_said_to_follow_listed_and_sent_by_the_next_sweep(
        db_url, tmp_path, monkeypatch):
    under_review(db_url)
    evidence(db_url, tmp_path)
    # A real failure of the real compiler: the report's template is one Typst refuses.
    broken = tmp_path / "broken.typ"
    broken.write_text('#panic("the print room is closed")', encoding="utf-8")
    monkeypatch.setattr(pdf_module, "REPORT_TEMPLATE", broken)
    out = evaluate_cop(UnitOfWork(db_url), slug="data-insight", now=at(EVAL_DAY), policy=P,
                       reports_dir=tmp_path / "r", od_manager=f"odm@{D}")
    assert out.messages_queued == 4
    told = mails(db_url, "evaluation_ready")
    assert all(m.attachment is None for m in told)
    assert all("could not be made just now: it follows in a separate message" in m.body_text for m in told)
    assert all("attached as a PDF" not in m.body_text for m in told)
    assert not (tmp_path / "r" / "data-insight" / "review-2026-03-24.pdf").exists()
    assert (tmp_path / "r" / "data-insight" / "review-2026-03-24.html").exists()

    # The digest lists it, with its reason; a sweep that fails again keeps it owed, one attempt more.
    body = digest_body(db_url, EVAL_DAY)
    assert "DOCUMENTS NOT YET SENT" in body and "Data and Insight: the evaluation report (PDF) could not be made" \
        in body and "the print room is closed" in body
    again = send_missing(UnitOfWork(db_url), now=at(EVAL_DAY + 1), od_manager=f"odm@{D}")
    assert again.sent == [] and again.failed and mails(db_url, "document_follows") == []
    [still] = missing_documents(UnitOfWork(db_url))
    assert still.attempts == 2

    # The next sweep, the template mended: the report goes to the same people, once, with its PDF.
    monkeypatch.undo()
    resent = send_missing(UnitOfWork(db_url), now=at(EVAL_DAY + 2), od_manager=f"odm@{D}",
                          reports_dir=tmp_path / "r")
    assert resent.sent == ["data-insight: the evaluation report (PDF)"] and resent.queued == 4
    follows = mails(db_url, "document_follows")
    assert {m.recipient for m in follows} == {m.recipient for m in told}
    for m in follows:
        assert m.attachment_name == "data-insight-review-2026-03-24.pdf"
        text = pdf_text(base64.b64decode(m.attachment or ""), tmp_path)
        assert "Recommendation: evolve" in text and "check-ins held of 11 expected" in text
        assert "said it would follow" in m.body_text and "Monday 24 March 2026" not in m.subject
    assert (tmp_path / "r" / "data-insight" / "review-2026-03-24.pdf").read_bytes().startswith(b"%PDF")
    assert missing_documents(UnitOfWork(db_url)) == [] and digest_body(db_url, EVAL_DAY + 3) == ""
    assert send_missing(UnitOfWork(db_url), now=at(EVAL_DAY + 3)).queued == 0  # nothing is sent twice


def test_the_decision_is_written_onto_the_report_and_its_files(db_url, tmp_path):
    under_review(db_url)
    evidence(db_url, tmp_path)
    evaluate_cop(UnitOfWork(db_url), slug="data-insight", now=at(EVAL_DAY), policy=P, reports_dir=tmp_path / "r")
    decide_review(UnitOfWork(db_url), slug="data-insight", decision="pass", decided_by=f"odm@{D}",
                  reason="new leads are taking it on", now=at(EVAL_DAY + 2), policy=P, reports_dir=tmp_path / "r")
    with UnitOfWork(db_url) as u:
        docs = {d.kind: d.content for d in u.session.scalars(select(Document).where(
            Document.kind.in_(("evaluation", "evaluation_html", "evaluation_json"))))}
    assert len(docs) == 3
    assert "## Decision: pass" in docs["evaluation"] and "Why: new leads are taking it on" in docs["evaluation"]
    assert "Decided by Oda Mann (odm@" in docs["evaluation"] and "The evaluation recommended evolve." in \
        docs["evaluation"]
    assert 'id="decision"' in docs["evaluation_html"] and "new leads are taking it on" in docs["evaluation_html"]
    decided = json.loads(docs["evaluation_json"])["decided"]
    assert decided["decision"] == "pass" and decided["reason"] == "new leads are taking it on"
    folder = tmp_path / "r" / "data-insight"
    assert "Decision: pass" in (folder / "review-2026-03-26.md").read_text(encoding="utf-8")
    text = pdf_text((folder / "review-2026-03-26.pdf").read_bytes(), tmp_path)
    assert text.index("Decision: pass") < text.index("Recommendation: evolve")
    assert "Why: new leads are taking it on" in text


def test_a_split_is_written_onto_the_report(db_url, tmp_path):
    under_review(db_url)
    evidence(db_url, tmp_path)
    evaluate_cop(UnitOfWork(db_url), slug="data-insight", now=at(EVAL_DAY), policy=P, reports_dir=None)
    split(UnitOfWork(db_url), slug="data-insight", decided_by=f"odm@{D}", reason="two practices, as the review found", now=at(EVAL_DAY + 1),
          policy=P, children=[Child("data-viz", "Data Visualisation", (f"bob@{D}",))])
    with UnitOfWork(db_url) as u:
        md = u.session.scalar(select(Document.content).where(Document.kind == "evaluation"))
    assert "## Decision: evolve (split)" in md and "Why: two practices" in md


def test_a_closure_with_only_the_draft_says_so_in_the_mail_and_the_digest(db_url, tmp_path):
    under_review(db_url)
    closes = at(REVIEW_DAY + 1).date() + timedelta(weeks=5)
    decide_review(UnitOfWork(db_url), slug="data-insight", decision="close", decided_by=f"odm@{D}",
                  reason="aims met, as the review found", now=at(REVIEW_DAY + 1), policy=P, closing_date=closes)
    assert only_drafted(UnitOfWork(db_url), ["data-insight"]) == {"data-insight"}
    close_cop(UnitOfWork(db_url), slug="data-insight", now=at(REVIEW_DAY + 36), policy=P,
              archive_dir=tmp_path / "a", od_manager=f"odm@{D}")
    closed = mails(db_url, "closure_completed")
    assert closed and all("lessons-learned report was never completed" in m.body_text for m in closed)
    assert all("never completed" in (m.body_html or "") for m in closed)
    digest = Digest(on="2026-04-07", closed=[{"slug": "data-insight", "name": "Data and Insight",
                                               "archive": "data-insight-2026-04-07.zip", "closed_on": "2026-04-07",
                                               "lessons_draft_only": True}])
    send_digest(UnitOfWork(db_url), digest, to=f"odm@{D}", now=at(REVIEW_DAY + 36), policy=P)
    [sent] = mails(db_url, "od_digest")
    assert "Its lessons learned were never completed: the archive holds copflow's draft only." in sent.body_text


def test_completed_lessons_are_not_reported_as_a_draft(db_url):
    under_review(db_url)
    decide_review(UnitOfWork(db_url), slug="data-insight", decision="close", decided_by=f"odm@{D}",
                  reason="aims met, as the review found", now=at(REVIEW_DAY + 1), policy=P,
                  closing_date=at(REVIEW_DAY + 1).date() + timedelta(weeks=5))
    # A service account called "copflow" saving the leads' report still counts as completed.
    save_lessons(UnitOfWork(db_url), slug="data-insight", text="# Lessons\n\nWhat worked: everything.\n",
                 by="copflow", now=at(REVIEW_DAY + 10))
    assert only_drafted(UnitOfWork(db_url), ["data-insight"]) == set()


def test_a_lessons_draft_owed_is_sent_to_the_leads_by_the_next_sweep(db_url):
    under_review(db_url)
    decide_review(UnitOfWork(db_url), slug="data-insight", decision="close", decided_by=f"odm@{D}",
                  reason="aims met, as the review found", now=at(REVIEW_DAY + 1), policy=P,
                  closing_date=at(REVIEW_DAY + 1).date() + timedelta(weeks=5))
    with UnitOfWork(db_url) as u:
        cop = get_cop(u.session, "data-insight")
        record_failure(u.session, cop, LESSONS_DOCX, "the disk was full", now=at(REVIEW_DAY + 1))
        u.commit()
    resent = send_missing(UnitOfWork(db_url), now=at(REVIEW_DAY + 2))
    assert resent.sent == ["data-insight: the lessons-learned draft (Word)"]
    follows = mails(db_url, "document_follows")
    assert {m.recipient for m in follows} == {f"ann@{D}", f"bob@{D}"}  # the leads, who complete it
    assert all(m.attachment_name == "data-insight-lessons-learned-draft.docx" for m in follows)
    assert "reply to this message with the completed document before Tuesday 7 April 2026" in follows[0].body_text
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(DocumentFailure.resolved_at)) is not None


@pytest.mark.parametrize("paper", ["a4", "us-letter"])
def test_the_policy_chooses_the_paper(db_url, tmp_path, paper):
    from dataclasses import replace

    under_review(db_url)
    evidence(db_url, tmp_path)
    evaluate_cop(UnitOfWork(db_url), slug="data-insight", now=at(EVAL_DAY), policy=replace(P, report_paper=paper),
                 reports_dir=tmp_path / "r")
    out = subprocess.run(["pdfinfo", str(tmp_path / "r" / "data-insight" / "review-2026-03-24.pdf")],
                         capture_output=True, text=True, check=True).stdout
    assert ("(A4)" in out) == (paper == "a4") and ("(letter)" in out) == (paper == "us-letter")


def test_the_leads_are_shown_where_to_send_the_completed_report_back(db_url, tmp_path, monkeypatch):
    # Issue 27 put an upload on the leads' CoP page; the mails asking for the report link each lead to it.
    import mailbox
    import re
    from email import message_from_bytes, policy

    from copflow.services.links import signed as links
    from copflow.services.mail.delivery import deliver
    from notifications.transports import MaildirTransport

    base = "https://cops.uni.example.org"
    monkeypatch.setenv("COPFLOW_WEB_URL", base)
    under_review(db_url)
    decide_review(UnitOfWork(db_url), slug="data-insight", decision="close", decided_by=f"odm@{D}",
                  reason="aims met, as the review found", now=at(REVIEW_DAY + 1), policy=P,
                  closing_date=at(REVIEW_DAY + 1).date() + timedelta(weeks=5))
    leads = {f"ann@{D}", f"bob@{D}"}
    notices = mails(db_url, "closing_notice")
    assert leads < {m.recipient for m in notices}
    for m in notices:  # a placeholder at rest; only the leads, who complete the report, are sent a page link
        assert (f"{base}/c/{{link:" in m.body_text) is (m.recipient in leads), m.recipient
        assert (f"{base}/c/{{link:" in (m.body_html or "")) is (m.recipient in leads), m.recipient
    with UnitOfWork(db_url) as u:
        record_failure(u.session, get_cop(u.session, "data-insight"), LESSONS_DOCX, "the disk was full",
                       now=at(REVIEW_DAY + 1))
        u.commit()
    send_missing(UnitOfWork(db_url), now=at(REVIEW_DAY + 2), policy=P)
    assert all(f"{base}/c/{{link:" in m.body_text for m in mails(db_url, "document_follows"))
    box = tmp_path / "maildir"
    deliver(UnitOfWork(db_url), MaildirTransport(box), sender="CoP programme <cop@uni.example.org>",
            now=at(REVIEW_DAY + 2))
    asked = 0
    for raw in mailbox.Maildir(box, create=False):
        msg = message_from_bytes(raw.as_bytes(), policy=policy.default)
        text = str(msg.get_body(("plain",)).get_content())
        if "lessons-learned report" not in text or "/c/" not in text:
            continue
        [token] = re.findall(re.escape(base) + r"/c/([A-Za-z0-9_\-]{32})(?![A-Za-z0-9_\-])", text)
        grant = links.resolve(UnitOfWork(db_url), token, now=at(REVIEW_DAY + 2), purpose="cop")
        assert grant.email == msg["To"].addresses[0].addr_spec and grant.cop_slug == "data-insight"
        asked += 1
    assert asked == 4  # each lead's closing notice and each lead's draft that followed
    with UnitOfWork(db_url) as u:  # each works until the closing date, further off than the policy's link_days
        cop = get_cop(u.session, "data-insight")
        ends = list(u.session.scalars(select(Link.expires_at).where(Link.purpose == "cop")))
        assert len(ends) == 4 and cop.closing_date is not None
        assert all(end.date() > cop.closing_date for end in ends)


def test_a_sponsor_who_stands_in_for_bouncing_leads_gets_the_draft_but_no_page_link(db_url):
    # Every lead's address bounces: the leads' copy goes to the sponsor (lifecycle/audiences.py), who cannot open
    # the leads' page, so their copy carries no link that would only say "this link does not exist".
    under_review(db_url)
    with UnitOfWork(db_url) as u:
        u.session.execute(update(Person).where(Person.email.in_([f"ann@{D}", f"bob@{D}"])).values(
            undeliverable_at=at(REVIEW_DAY), undeliverable_reason="5.1.1 user unknown"))
        u.commit()
    decide_review(UnitOfWork(db_url), slug="data-insight", decision="close", decided_by=f"odm@{D}",
                  reason="aims met, as the review found", now=at(REVIEW_DAY + 1), policy=P,
                  closing_date=at(REVIEW_DAY + 1).date() + timedelta(weeks=5))
    [sponsor] = [m for m in mails(db_url, "closing_notice") if m.recipient == f"dir@{D}"]
    assert sponsor.attachment_name == "data-insight-lessons-learned-draft.docx"
    assert "/c/" not in sponsor.body_text and "/c/" not in (sponsor.body_html or "")
    with UnitOfWork(db_url) as u:
        assert list(u.session.scalars(select(Link).where(Link.purpose == "cop"))) == []
