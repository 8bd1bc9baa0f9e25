"""Documents people open in their own tools: the lessons-learned draft as a Word file (python-docx), the
evaluation report as a PDF (headless Chromium's print-to-PDF). Binary files travel in the outbox as base64 text
(notifications.mime sends them as they are)."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

BINARY_SUFFIXES = (".pdf", ".docx")


def markdown_to_docx(markdown: str) -> bytes:
    """A Word document from our own Markdown (headings, bullets, paragraphs; **bold** and `code` marks dropped)."""
    from docx import Document

    doc = Document()
    for raw in markdown.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        text = line.replace("**", "").replace("`", "")
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            doc.add_heading(text.lstrip("#").strip(), level=min(level, 4) if level > 1 else 0)
        elif line.lstrip().startswith(("- ", "* ")):
            doc.add_paragraph(text.lstrip()[2:], style="List Bullet")
        else:
            doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def docx_text(data: bytes) -> str:
    """The text of a Word document, one paragraph a line (headings as Markdown headings)."""
    from docx import Document

    lines = []
    for p in Document(io.BytesIO(data)).paragraphs:
        style = (p.style.name if p.style is not None else "") or ""
        if style.startswith("Heading") or style == "Title":
            level = int(style.split()[-1]) if style.split()[-1].isdigit() else 1
            lines.append("#" * level + " " + p.text)
        elif style.startswith("List"):
            lines.append(f"- {p.text}")
        else:
            lines.append(p.text)
    return "\n\n".join(line for line in lines if line.strip()) + "\n"


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: str, timeout: float = 60) -> bytes | None:
    """The page printed to PDF by headless Chromium; None when no Chromium is installed or it fails."""
    exe = chromium()
    if exe is None:
        return None
    with tempfile.TemporaryDirectory(prefix="copflow-pdf-") as tmp:
        page, pdf = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        try:
            subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                            f"--user-data-dir={tmp}/profile", f"--print-to-pdf={pdf}", page.as_uri()],
                           check=True, capture_output=True, timeout=timeout)
        except (OSError, subprocess.SubprocessError):
            return None
        return pdf.read_bytes() if pdf.exists() and pdf.stat().st_size else None


def as_attachment(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
