"""The documents people open in their own tools: the lessons-learned draft as Word, the report as PDF, and a
completed report read back from .docx, .md or .pdf (what `copflow cop lessons --file` saves)."""

from __future__ import annotations

import pytest

from notifications.documents import UnreadableDocument, document_text, html_to_pdf, markdown_to_docx

DRAFT = "# Lessons learned: Data and Insight\n\n## What worked\n\n- lunch and learns\n\nA paragraph of notes.\n"


def test_a_word_draft_reads_back_with_its_headings_bullets_and_paragraphs(tmp_path):
    path = tmp_path / "lessons.docx"
    path.write_bytes(markdown_to_docx(DRAFT))
    text = document_text(path)
    assert "Lessons learned: Data and Insight" in text and "## What worked" in text
    assert "- lunch and learns" in text and "A paragraph of notes." in text


def test_a_pdf_and_markdown_read_back_and_other_files_are_refused(tmp_path):
    pdf = html_to_pdf("<h1>Lessons learned</h1><p>What worked: lunch and learns.</p>")
    assert pdf is not None and pdf.startswith(b"%PDF")
    (tmp_path / "lessons.pdf").write_bytes(pdf)
    assert "What worked: lunch and learns." in document_text(tmp_path / "lessons.pdf")
    (tmp_path / "lessons.md").write_text(DRAFT, encoding="utf-8")
    assert document_text(tmp_path / "lessons.md") == DRAFT
    (tmp_path / "lessons.odt").write_text("x", encoding="utf-8")
    with pytest.raises(UnreadableDocument, match="give a Word document"):
        document_text(tmp_path / "lessons.odt")
    (tmp_path / "broken.docx").write_bytes(b"not a zip")
    with pytest.raises(UnreadableDocument, match="cannot read"):
        document_text(tmp_path / "broken.docx")
