"""The lessons-learned draft as a Word document built with python-docx: real headings, real tables (aims and
outcomes, outputs, the action plan, the path it took), dates in words, the programme as author, A4 (or US Letter,
the policy's `report_paper`), British English, and every section the leads complete highlighted with a short
prompt. Nothing in it is Markdown: each value a person typed goes into a run of text as itself.

The context is copflow/services/closing/lessons.py's `lessons_context` (JSON-safe; kept with the draft, so a draft
that failed to build is built again later from the same record).
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from notifications.vocabulary import long_date, short_date, stage_words

PROMPT = "To complete: "
# What each section the leads complete asks for.
TO_COMPLETE = {
    "What worked": "what worked well, and why? Ask the members for theirs too.",
    "What did not": "what did not work, and what would you do differently?",
    "What should be kept, and where": "which outputs, contacts and ways of working should live on, and who keeps "
                                      "them?",
}
PAGE_MM = {"a4": (210, 297), "us-letter": (215.9, 279.4)}


def lessons_docx(c: dict[str, Any]) -> bytes:
    """The draft as .docx bytes."""
    from docx import Document
    from docx.shared import Mm

    doc = Document()
    width, height = PAGE_MM.get(c.get("paper", "a4"), PAGE_MM["a4"])
    for section in doc.sections:
        section.page_width, section.page_height = Mm(width), Mm(height)
        section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Mm(25)
    _properties(doc, c)
    _language(doc, c.get("language", "en-GB"))
    name = c["cop"]["name"]
    doc.add_heading(f"Lessons learned: {name}", level=0)
    intro = doc.add_paragraph()
    intro.add_run(f"Drafted by copflow on {long_date(c['drafted_on'])} from the community's record. ").italic = True
    _prompt(intro, "complete the highlighted sections, then reply to the closing notice with this document"
                   + (f" before {long_date(c['closing_date'])}" if c.get("closing_date") else "") + ".")

    doc.add_heading("The community", level=1)
    _table(doc, ["", ""], [["Domain", c["cop"]["domain"] or "not recorded"],
                           ["Proposed", long_date(c["proposed_on"])],
                           ["Closing", long_date(c["closing_date"]) if c.get("closing_date") else "not set"],
                           ["Why it closes", c["reason"]]], header=False)

    doc.add_heading("Charter aims and what came of them", level=1)
    charter = c.get("charter")
    if charter:
        doc.add_paragraph(f"Charter version {charter['version']}, published {long_date(charter['published_on'])}: "
                          f"{charter['purpose']}")
        rows = [[aim, None] for aim in charter["aims"]]
        rows += [[f"{t} (annual target)", c["target_tallies"].get(t) or None] for t in charter["annual_targets"]]
        _table(doc, ["Aim or annual target", "Outcome"], rows, prompt="what came of it?")
    else:
        doc.add_paragraph("No charter was published.")

    doc.add_heading("What it held and made", level=1)
    if c["activity_counts"]:
        doc.add_paragraph(", ".join(f"{n} {kind}" for kind, n in c["activity_counts"]) + ".")
        if c["outputs"]:
            _table(doc, ["Date", "Output", "Title", "Where"],
                   [[short_date(o["held_on"]), o["kind"], o["title"], o["link"]] for o in c["outputs"]])
    else:
        doc.add_paragraph("No activities or outputs were recorded.")

    doc.add_heading("The action plan", level=1)
    if c["actions"]:
        _table(doc, ["Action", "Owner", "Due", "How it ended", "Towards", "History"],
               [[a["title"], a["owner"], short_date(a["due_on"]), a["status"], a["target"], a["history"]]
                for a in c["actions"]])
    else:
        doc.add_paragraph("No action plan was recorded.")

    doc.add_heading("The path it took", level=1)
    _table(doc, ["Date", "From", "To", "By", "Why"],
           [[short_date(t["at"]), stage_words(t["from_stage"]) if t["from_stage"] else "proposed",
             stage_words(t["to_stage"]), t["by"], t["reason"] or ""] for t in c["transitions"]])

    doc.add_heading("Reviews", level=1)
    for r in c["reviews"] or [None]:
        doc.add_paragraph(f"{short_date(r['recorded_at'])}: {r['decision']} by {r['decided_by']} — {r['reason']}"
                          if r else "No review was decided.", style="List Bullet")

    for heading, ask in TO_COMPLETE.items():
        doc.add_heading(f"{heading} (to complete)", level=1)
        _prompt(doc.add_paragraph(), ask)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _prompt(paragraph: Any, text: str) -> None:
    """A highlighted prompt: what the leads are asked to write here."""
    from docx.enum.text import WD_COLOR_INDEX

    run = paragraph.add_run(PROMPT + text)
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    run.bold = True


def _table(doc: Any, headers: list[str], rows: list[list[Any]], *, header: bool = True,
           prompt: str = "") -> None:
    """A real Word table; its header row repeats on each page and is marked as a header for screen readers.
    A cell given as None is one the leads complete: highlighted, with `prompt`."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = doc.add_table(rows=0, cols=len(headers))
    table.style = "Table Grid"
    if header:
        cells = table.add_row().cells
        for cell, text in zip(cells, headers, strict=True):
            cell.paragraphs[0].add_run(text).bold = True
        marker = OxmlElement("w:tblHeader")
        marker.set(qn("w:val"), "true")
        table.rows[0]._tr.get_or_add_trPr().append(marker)
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            if value is None:
                _prompt(cell.paragraphs[0], prompt)
            else:
                cell.paragraphs[0].add_run(str(value))
    doc.add_paragraph()


def _properties(doc: Any, c: dict[str, Any]) -> None:
    props = doc.core_properties
    programme = c.get("programme") or "CoP programme"
    props.author = props.last_modified_by = programme
    props.title = f"Lessons learned: {c['cop']['name']}"
    props.subject = "Lessons learned (draft to complete)"
    props.comments = "Drafted by copflow from the community's record; the leads complete the highlighted sections."
    props.language = c.get("language", "en-GB")
    props.keywords = "lessons learned; community of practice"
    drafted = datetime.fromisoformat(c["drafted_at"])
    props.created = props.modified = drafted.replace(tzinfo=None)
    props.revision = 1


def _language(doc: Any, language: str) -> None:
    """The document's proofing language (Word's spelling and a screen reader's voice): every style's default."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")) if defaults is not None else None
    if rpr is None:
        return
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), language)
    lang.set(qn("w:eastAsia"), language)
