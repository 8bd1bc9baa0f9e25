"""The evaluation report as a Word document (issue 24, item 2's option): python-docx reads back its headings and
real tables (no Markdown table rows or `*` markers), the programme as author, A4 or US Letter; the decision once
taken; values as themselves; LibreOffice converts it to PDF."""

from __future__ import annotations

import io
import os
import subprocess
from datetime import UTC, datetime

from notifications.report_docx import report_docx
from notifications.reports import with_decision
from tests.integration.test_documents import context, pdftext, tool


def test_the_report_is_a_word_document_with_real_tables() -> None:
    from docx import Document

    doc = Document(io.BytesIO(report_docx(context(name="Data *&* | Insight"))))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == "Review of Data *&* | Insight" and "Recommendation: evolve" in headings
    assert "Members" in headings and "Survey (8 respondents)" in headings
    assert len(doc.tables) >= 5
    body = [p.text for p in doc.paragraphs]
    assert not any(t.startswith("|") or t.startswith("*") for t in body)
    members = next(t for t in doc.tables if t.rows[0].cells[1].text == "count")
    assert members.rows[1].cells[0].text == "core group (leads, coordinators, core)"
    assert members.rows[1].cells[1].text == "3"
    assert doc.core_properties.author == "CoP programme" and doc.core_properties.language == "en-GB"
    assert round(doc.sections[0].page_width.mm) == 210 and round(doc.sections[0].page_height.mm) == 297
    letter = Document(io.BytesIO(report_docx(context(paper="us-letter"))))
    assert round(letter.sections[0].page_width.mm) == 216


def test_the_decision_is_on_it_and_libreoffice_converts_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from docx import Document

    decided = with_decision(context(), decision="pass", by="Oda Mann (odm@uni.example.org)",
                            at=datetime(2026, 3, 24, 10, 0, tzinfo=UTC), reason="Targets met")
    data = report_docx(decided)
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "Decision: pass" in text and "Why: Targets met" in text
    assert "The evaluation recommended evolve." in text
    (tmp_path / "report.docx").write_bytes(data)
    env = {**os.environ, "HOME": str(tmp_path)}  # a profile of its own: never the user's, never shared
    run = subprocess.run([tool("soffice"), "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo",
                          "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "report.docx")],
                         capture_output=True, text=True, timeout=180, env=env, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert "Why: Targets met" in " ".join(pdftext(pdf, tmp_path).split())
