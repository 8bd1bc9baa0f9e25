"""The documents people open in their own tools, made without a browser: the evaluation report's PDF (Typst), the
lessons-learned draft (python-docx), and a completed report read back from .docx, .md or .pdf (what
`copflow cop lessons --file` saves). Checked with the tools a reader's machine has: poppler's pdfinfo and
pdftotext, python-docx, and LibreOffice converting the draft to PDF."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lifecycle.practice import BENCHMARK_STATEMENTS, ActivityKind, find_statement, parse_targets
from lifecycle.review_metrics import ActivityRecord, AnswerRecord, EvaluationInput, MemberRecord, evaluate_period
from notifications.documents import UnreadableDocument, document_text
from notifications.lessons_docx import lessons_docx
from notifications.pdf import report_pdf, typeset
from notifications.reports import render_context, report_context, with_decision

# Every character Typst markup or code gives a meaning to, and Markdown's: a value must read as itself everywhere.
HOSTILE = '#set page(paper: "a6") $x^2$ <lbl> @ref *bold* _it_ `raw` \\ ] [ = heading | cell | #eval("1+1")'


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: run `bash tests/install-tools.sh` (the README's test command does)")
    return path


def pdfinfo(pdf: bytes, tmp_path: Path) -> dict[str, str]:
    (tmp_path / "r.pdf").write_bytes(pdf)
    out = subprocess.run([tool("pdfinfo"), str(tmp_path / "r.pdf")], capture_output=True, text=True, check=True)
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.stdout.splitlines())}


def pdftext(pdf: bytes, tmp_path: Path) -> str:
    (tmp_path / "t.pdf").write_bytes(pdf)
    return subprocess.run([tool("pdftotext"), str(tmp_path / "t.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout


def context(paper: str = "a4", name: str = "Data & Insight") -> dict:
    members = tuple(MemberRecord(f"p{i}", "core" if i < 3 else "wider", f"Dept {i % 4}", f"m{i}",
                                 date(2025, 1, 1)) for i in range(12))
    activities = tuple(ActivityRecord(ActivityKind.LUNCH_AND_LEARN, f"Talk {m}", date(2025, m, 10),
                                      frozenset(f"p{i}" for i in range(m))) for m in range(3, 12))
    answers = tuple(AnswerRecord(f"r{r}", s, 5 - (r + i) % 4) for i, s in enumerate(
        (*BENCHMARK_STATEMENTS[:3], find_statement(HOSTILE))) for r in range(8))
    ev = evaluate_period(EvaluationInput("data", name, date(2025, 3, 1), date(2026, 2, 28), members, activities,
                                         answers, parse_targets(["1 seminar", "6 lunch and learns"])))
    return report_context(ev, generated_at=datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC), min_departments=2,
                          programme="CoP programme", paper=paper)


def test_the_report_pdf_is_a4_tagged_titled_and_by_the_programme(tmp_path):
    info = pdfinfo(report_pdf(context()), tmp_path)
    assert info["Page size"].endswith("(A4)") and info["Tagged"] == "yes"
    assert info["Author"] == "CoP programme" and info["Title"].startswith("Review of Data & Insight")
    assert "Chrom" not in info["Creator"] and "Typst" in info["Creator"]
    letter = pdfinfo(report_pdf(context("us-letter")), tmp_path)
    assert letter["Page size"] == "612 x 792 pts (letter)"


def test_the_report_pdf_declares_its_language_for_screen_readers():
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(report_pdf(context())))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB" and bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root


def test_the_recommendation_and_its_reasons_read_in_order(tmp_path):
    c = context()
    text = " ".join(pdftext(report_pdf(c), tmp_path).split())
    rec = c["ev"]["recommendation"]
    expected = [f"Recommendation: {rec['decision']}", *[" ".join(r.split()) for r in rec["reasons"]],
                *[" ".join(s.split()) for s in rec["strengths"]], "Members", "Events and attendance",
                "Annual targets", "Action plan", "Survey", "Process health"]
    places = [text.find(part) for part in expected]
    assert -1 not in places, [p for p, at in zip(expected, places, strict=True) if at == -1]
    assert places == sorted(places)


def test_no_value_is_read_as_typst_markup_or_code(tmp_path):
    """A name, a statement and a decision's reason full of Typst's and Markdown's special characters come out as
    themselves: nothing runs (the page stays A4, nothing is evaluated), nothing is lost."""
    c = with_decision(context(name=HOSTILE), decision="close", by="Oda Mann (odm@x.org)",
                      at=datetime(2026, 3, 9, 10, tzinfo=UTC), reason=HOSTILE)
    pdf = report_pdf(c)
    info = pdfinfo(pdf, tmp_path)
    assert info["Page size"].endswith("(A4)") and info["Title"].startswith("Review of #set page")
    text = " ".join(pdftext(pdf, tmp_path).split())
    assert text.count('#eval("1+1")') >= 3 and "$x^2$ <lbl> @ref *bold* _it_ `raw`" in text
    markdown, html = render_context(c)
    assert "\\#set page" in markdown and "\\*bold\\* \\_it\\_ \\`raw\\`" in markdown and "\\| cell \\|" in markdown
    assert "&lt;lbl&gt;" in html and "<lbl>" not in html


def test_a_broken_template_is_a_clear_failure_not_a_crash(tmp_path):
    from notifications.pdf import RenderFailed

    bad = tmp_path / "bad.typ"
    bad.write_text('#panic("the press is jammed")', encoding="utf-8")
    with pytest.raises(RenderFailed, match="the press is jammed"):
        typeset(bad, {})


def draft() -> dict:
    return {"cop": {"slug": "data", "name": "Data & Insight", "domain": "Data | analytics"},
            "drafted_on": "2026-03-03", "drafted_at": "2026-03-03T09:00:00+00:00", "programme": "CoP programme",
            "paper": "a4", "language": "en-GB", "proposed_on": "2024-11-04", "reason": "Its aims are met *for now*",
            "closing_date": "2026-04-07",
            "charter": {"version": 1, "published_on": "2025-01-10", "purpose": "Share *data* skills",
                        "aims": ["Connect analysts | across teams"], "annual_targets": ["1 seminar"]},
            "transitions": [{"at": "2024-11-04", "from_stage": "", "to_stage": "forming", "by": "odm@x.org",
                             "reason": None},
                            {"at": "2025-01-10", "from_stage": "forming", "to_stage": "planning", "by": "ann@x.org",
                             "reason": "core group formed"}],
            "reviews": [{"recorded_at": "2026-03-03", "gate": "close_decided", "decision": "close",
                         "decided_by": "odm@x.org", "reason": "aims met"}],
            "activity_counts": [["seminar", 1]], "target_tallies": {"1 seminar": "1 recorded in all"},
            "outputs": [{"held_on": "2025-12-01", "kind": "blog", "title": "What we *learnt*", "link": ""}],
            "actions": [{"title": "Write the | blog", "owner": "Bob Kay", "due_on": "2025-08-01", "status": "done",
                         "target": "1 seminar", "history": "created 6 May 2025; done 30 July 2025"}]}


def test_the_lessons_draft_is_a_word_document_not_markdown(tmp_path):
    from docx import Document
    from docx.enum.text import WD_COLOR_INDEX

    doc = Document(io.BytesIO(lessons_docx(draft())))
    assert len(doc.tables) >= 3  # the community, aims and outcomes, outputs, the action plan, the path it took
    for p in doc.paragraphs:
        assert not p.text.lstrip().startswith("|") and "**" not in p.text and not p.text.startswith(("#", "* "))
    headings = [p.text for p in doc.paragraphs if p.style is not None and p.style.name.startswith("Heading")]
    assert "Charter aims and what came of them" in headings and "What worked (to complete)" in headings
    aims = next(t for t in doc.tables if t.rows[0].cells[0].text == "Aim or annual target")
    assert aims.rows[1].cells[0].text == "Connect analysts | across teams"  # a pipe in a value is itself
    prompt = aims.rows[1].cells[1].paragraphs[0].runs[0]
    assert prompt.text.startswith("To complete:") and prompt.font.highlight_color == WD_COLOR_INDEX.YELLOW
    assert aims.rows[2].cells[1].text == "1 recorded in all"
    path = next(t for t in doc.tables if t.rows[0].cells[0].text == "Date" and len(t.columns) == 5)
    assert [c.text for c in path.rows[2].cells][:3] == ["10 January 2025", "forming", "planning"]  # dates in words
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    props = doc.core_properties
    assert props.author == "CoP programme" and props.language == "en-GB"
    assert props.title == "Lessons learned: Data & Insight"


def test_libreoffice_converts_the_draft_to_pdf(tmp_path):
    (tmp_path / "draft.docx").write_bytes(lessons_docx(draft()))
    env = {**os.environ, "HOME": str(tmp_path)}  # a profile of its own: never the user's, never shared
    run = subprocess.run([tool("soffice"), "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo",
                          "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "draft.docx")],
                         capture_output=True, text=True, timeout=180, env=env, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    pdf = (tmp_path / "draft.pdf").read_bytes()
    text = " ".join(pdftext(pdf, tmp_path).split())
    assert "Lessons learned: Data & Insight" in text and "Connect analysts | across teams" in text
    assert "To complete: what came of it?" in text and pdfinfo(pdf, tmp_path)["Page size"].endswith("(A4)")


def test_a_completed_word_report_reads_back_with_its_tables(tmp_path):
    """What the leads send back: their outcomes, written into the draft's tables, are kept."""
    from docx import Document

    doc = Document(io.BytesIO(lessons_docx(draft())))
    aims = next(t for t in doc.tables if t.rows[0].cells[0].text == "Aim or annual target")
    aims.rows[1].cells[1].text = "Forty analysts now meet monthly"
    doc.add_paragraph("Lunch and learns worked best.")
    doc.save(tmp_path / "lessons.docx")
    text = document_text(tmp_path / "lessons.docx")
    assert "# Lessons learned: Data & Insight" in text and "\n# What worked (to complete)" in text
    assert "| Connect analysts \\| across teams | Forty analysts now meet monthly |" in text
    assert "Lunch and learns worked best." in text


def test_a_pdf_and_markdown_read_back_and_other_files_are_refused(tmp_path):
    pdf = typeset(tmp_path / "l.typ", {}) if (tmp_path / "l.typ").write_text(
        "#set document(title: \"Lessons\")\n= Lessons learned\nWhat worked: lunch and learns.",
        encoding="utf-8") else b""
    (tmp_path / "lessons.pdf").write_bytes(pdf)
    assert "What worked: lunch and learns." in document_text(tmp_path / "lessons.pdf")
    markdown = "# Lessons learned\n\n## What worked\n\n- lunch and learns\n"
    (tmp_path / "lessons.md").write_text(markdown, encoding="utf-8")
    assert document_text(tmp_path / "lessons.md") == markdown
    (tmp_path / "lessons.odt").write_text("x", encoding="utf-8")
    with pytest.raises(UnreadableDocument, match="give a Word document"):
        document_text(tmp_path / "lessons.odt")
    (tmp_path / "broken.docx").write_bytes(b"not a zip")
    with pytest.raises(UnreadableDocument, match="cannot read"):
        document_text(tmp_path / "broken.docx")


def test_a_character_no_font_has_still_gives_a_tagged_report(tmp_path):
    """PDF/UA-1 refuses a glyph none of Typst's fonts has (an emoji in a name): the report is made tagged anyway,
    never dropped."""
    pdf = report_pdf(context(name="Data & Insight 🚀"))
    info = pdfinfo(pdf, tmp_path)
    assert info["Tagged"] == "yes" and info["Title"].startswith("Review of Data & Insight")
    assert "Recommendation:" in pdftext(pdf, tmp_path)
