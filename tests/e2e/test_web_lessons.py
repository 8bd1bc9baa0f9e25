"""A lead sends the completed lessons-learned report from their CoP page while it is closing (issue 24), in Chromium
against `copflow web` in its own process: the draft's own Word document, completed, is saved as `copflow cop lessons
--file` saves it; a file of another kind, or named .docx and not one, is refused beside the field with nothing
saved; a forged or oversized post is refused before it is read. The section reads well (axe-core, wording)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from copflow.db.models import Cop, Document
from copflow.db.uow import UnitOfWork
from copflow.services.closing.lessons import LESSONS, completed, draft_context
from copflow.services.links import signed as links
from notifications.lessons_docx import lessons_docx
from tests.e2e.webapp import Server, reads_well, server_env, settings_for_site, web_server
from tests.integration.helpers import D, P, at
from tests.integration.test_closure import REVIEW_DAY, closing

NOW = at(REVIEW_DAY + 3)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    closing(db_url)
    with web_server(tmp_path, db_url, port, NOW, env=server_env(tmp_path, db_url, port, NOW)) as server:
        yield server


def reports(url: str) -> int:
    with UnitOfWork(url) as u:
        return int(u.session.scalar(select(func.count()).select_from(Document).where(Document.kind == LESSONS)) or 0)


def completed_draft(url: str) -> bytes:
    from docx import Document as Word

    with UnitOfWork(url) as u:
        context = draft_context(u.session, u.session.scalar(select(Cop.id)) or 0)
    assert context is not None
    doc = Word(io.BytesIO(lessons_docx(context)))
    doc.add_paragraph("Lunch and learns worked best.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_a_lead_sends_the_completed_report_from_the_cop_page(site: Server, browser: Any, db_url: str) -> None:
    link = links.issue(UnitOfWork(db_url), slug="data-insight", email=f"ann@{D}", purpose="cop", now=NOW, policy=P,
                       web_url=site.url)
    page = browser.new_context(bypass_csp=True).new_page()  # axe-core is injected as a script
    page.goto(link)
    assert "The draft was mailed to you as a Word document" in page.inner_text("#lessons-now")
    reads_well(page, "CoP page, lessons to send")
    before = reports(db_url)

    for name, kind, data, why in (
            ("lessons.exe", "application/octet-stream", b"MZ", "Send a Word document (.docx), Markdown (.md) or a PDF"),
            ("lessons.docx", DOCX, b"just text", "is named .docx but is not one inside"),
            ("lessons.docx", "text/html", completed_draft(db_url), "the browser sent it as text/html"),
            ("broken.docx", DOCX, b"PK\x03\x04 not really a zip", "Cannot read the file as a docx file")):
        page.set_input_files("#lessons-file", {"name": name, "mimeType": kind, "buffer": data})
        page.click("text=Send the report")
        assert why in page.inner_text("#err-lessons-file"), name
        assert "Nothing was saved" in page.inner_text("main")
        assert reports(db_url) == before
    reads_well(page, "CoP page, report refused")

    page.set_input_files("#lessons-file", {"name": "Lessons learned.docx", "mimeType": DOCX,
                                           "buffer": completed_draft(db_url)})
    page.click("text=Send the report")
    assert "the lessons-learned report (Lessons learned.docx) is saved" in page.inner_text("main")
    assert f"sent by ann@{D} (via web)" in page.inner_text("#lessons-now")
    with UnitOfWork(db_url) as u:
        latest = u.session.scalars(select(Document).where(Document.kind == LESSONS).order_by(Document.id.desc())
                                   ).first()
        assert latest is not None and "Lunch and learns worked best." in latest.content
        assert latest.created_by == f"ann@{D} (via web)" and completed(u.session, latest.cop_id)
    reads_well(page, "CoP page, report saved")

    # Without the page's CSRF token, and over the limit (declared, so refused before it is read): nothing kept.
    after = reports(db_url)
    r = page.request.post(link + "/lessons", multipart={"file": {"name": "l.md", "mimeType": "text/markdown",
                                                                 "buffer": b"# Lessons\n"}})
    assert r.status == 403
    big = page.request.post(link + "/lessons", data=b"x" * (21 * 1024 * 1024),
                            headers={"content-type": "multipart/form-data; boundary=x"})
    assert big.status == 413, big.text()
    assert reports(db_url) == after
