"""Documents people send back, read: a completed lessons-learned report as Word (.docx, tables included), PDF or
Markdown. (Documents copflow writes: notifications/pdf.py, the report's PDF typeset by Typst;
notifications/lessons_docx.py, the lessons-learned draft.) Binary files travel in the outbox as base64 text
(notifications.mime sends them as they are). Headless Chromium is used here only for the message gallery's
optional screenshots (`copflow mail preview`), never for a document anyone receives."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from lifecycle.errors import CopflowError
from notifications.input_limits import (
    MAX_PARAGRAPHS,
    MAX_PDF_PAGES,
    LimitExceeded,
    check_file_size,
    check_zip,
    count_in_part,
)

BINARY_SUFFIXES = (".pdf", ".docx")


def docx_text(data: bytes) -> str:
    """The text of a Word document, one paragraph a line (headings as Markdown headings), its tables in place as
    Markdown tables: the leads' completed lessons learned write the outcomes into the draft's tables."""
    from docx import Document
    from docx.table import Table

    lines = []
    doc = Document(io.BytesIO(data))
    # Each paragraph's style by its id, named once: python-docx's `paragraph.style` scans every style of the
    # document for each paragraph without one, which made 50,000 paragraphs take minutes.
    names = {s.style_id: s.name or "" for s in doc.styles}
    for p in doc.iter_inner_content():
        if isinstance(p, Table):
            lines.append(_table_text(p))
            continue
        style = names.get(p._p.style or "", "")
        if style.startswith("Heading") or style == "Title":
            level = int(style.split()[-1]) if style.split()[-1].isdigit() else 1
            lines.append("#" * level + " " + p.text)
        elif style.startswith("List"):
            lines.append(f"- {p.text}")
        else:
            lines.append(p.text)
    return "\n\n".join(line for line in lines if line.strip()) + "\n"


def _table_text(table: Any) -> str:
    rows = [[" ".join(cell.text.split()).replace("|", "\\|") for cell in row.cells] for row in table.rows]
    if not rows:
        return ""
    lines = [f"| {' | '.join(r)} |" for r in rows]
    return "\n".join([lines[0], "|" + "---|" * len(rows[0]), *lines[1:]])


class UnreadableDocument(CopflowError, ValueError):
    """A file that is not a Word document, Markdown/text or PDF we can read the text of."""


_PARAGRAPH = re.compile(rb"<w:p[\s>/]")


def document_text(path: Path) -> str:
    """The text of a completed report: .docx (Word), .pdf, or .md/.txt (UTF-8). Its size is checked before it is
    read (notifications/input_limits.py): on disk; a .docx's parts, unpacked, and its paragraphs, counted as the
    document unpacks; a PDF's pages."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise UnreadableDocument(f"cannot read {path}: no such file")
    try:
        check_file_size(path)
        if suffix == ".docx":
            check_zip(path)
            count_in_part(path, "word/document.xml", _PARAGRAPH, MAX_PARAGRAPHS, "paragraphs, the most a report may")
            return docx_text(path.read_bytes())
        if suffix == ".pdf":
            from pypdf import PdfReader

            reader = PdfReader(path)
            if len(reader.pages) > MAX_PDF_PAGES:
                raise LimitExceeded(f"has {len(reader.pages):,} pages, more than the {MAX_PDF_PAGES:,} a report may",
                                    value=len(reader.pages), limit=MAX_PDF_PAGES)
            text = "\n\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()
            if not text:
                raise UnreadableDocument(f"{path} has no text to read (a scanned PDF?); send it as .docx or .md")
            return text + "\n"
        if suffix in (".md", ".txt", ".markdown"):
            return path.read_text(encoding="utf-8")
    except UnreadableDocument:
        raise
    except LimitExceeded as exc:
        raise UnreadableDocument(f"{path} {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableDocument(f"cannot read {path}: {exc}") from None
    except Exception as exc:  # python-docx and pypdf raise their own errors for a damaged file
        raise UnreadableDocument(f"cannot read {path} as a {suffix[1:]} file: {type(exc).__name__}") from None
    given = suffix or "a file without an extension"
    raise UnreadableDocument(f"{path}: give a Word document (.docx), Markdown (.md) or a PDF, not {given}")


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def as_attachment(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def screenshot(page: Path, png: Path, *, width: int = 600, height: int = 1400, timeout: float = 60) -> bool:
    """A PNG of an HTML file as a reader sees it (headless Chromium at `width`); False without Chromium."""
    exe = chromium()
    if exe is None:
        return False
    with tempfile.TemporaryDirectory(prefix="copflow-shot-") as tmp:
        try:
            subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            f"--user-data-dir={tmp}/profile", f"--screenshot={png.resolve()}",
                            f"--window-size={width},{height}", page.resolve().as_uri()],
                           check=True, capture_output=True, timeout=timeout)
        except (OSError, subprocess.SubprocessError):
            return False
    return png.exists() and png.stat().st_size > 0
