"""The leads' completed lessons-learned report, sent from their CoP page (/c/<token>/lessons) while the community
is closing: the same file `copflow cop lessons SLUG --file` takes (a Word document, Markdown or a PDF) and the same
checks (notifications/documents.py `document_text`: sizes on disk and unpacked, paragraphs, pages), after the
form's own: bounded before it is read, its CSRF token, its extension and the type the browser declared matching
the file's first bytes. The report is saved in one transaction, or nothing is."""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from copflow.services.errors import CopflowError, in_a_sentence
from copflow.web.granted import Granted, granted, lead_link
from copflow.web.lead import PURPOSE, cop_page_response
from copflow.web.multipart import read_multipart
from notifications.input_limits import MAX_FILE_BYTES

SECTION = "h-lessons"
OCTET = "application/octet-stream"
# What each kind of report may be declared as by a browser (some declare nothing, or octet-stream, for .md), and
# how its file begins.
KINDS: dict[str, tuple[tuple[str, ...], bytes]] = {
    ".docx": (("application/vnd.openxmlformats-officedocument.wordprocessingml.document", OCTET, ""), b"PK\x03\x04"),
    ".pdf": (("application/pdf", OCTET, ""), b"%PDF-"),
    ".md": (("text/markdown", "text/x-markdown", "text/plain", OCTET, ""), b""),
    ".txt": (("text/plain", "text/markdown", OCTET, ""), b""),
}
TOO_LARGE = f"The report is larger than the {MAX_FILE_BYTES // (1024 * 1024)} MB a report may be."


def routes() -> list[Route]:
    return [Route("/c/{token}/lessons", lessons, methods=["POST"])]


def file_problem(file_name: str, content_type: str, data: bytes) -> str | None:
    """Why this file is not a report copflow reads, judged by its name, declared type and first bytes; or None."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in KINDS:
        return (f"Send a Word document (.docx), Markdown (.md) or a PDF, not "
                f"{suffix or 'a file without an extension'}.")
    types, magic = KINDS[suffix]
    if content_type.split(";")[0].strip() not in types:
        return f"The file is named {suffix} but the browser sent it as {content_type.split(';')[0]}."
    if not data.startswith(magic):
        return f"The file is named {suffix} but is not one inside."
    return None


def _read(file_name: str, data: bytes) -> str:
    from notifications.documents import UnreadableDocument, document_text

    suffix = Path(file_name).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="copflow-lessons-") as folder:
        path = Path(folder) / f"report{suffix}"  # never the browser's name: it is not a path
        path.write_bytes(data)
        try:
            return document_text(path)
        except UnreadableDocument as exc:
            words = str(exc).replace(str(path), "the file")
            raise UnreadableUpload(words[:1].upper() + words[1:], field="lessons") from None


class UnreadableUpload(CopflowError):
    """An uploaded report whose text cannot be read, worded for the form (the temporary path never shown)."""


@granted("c", lead_link(*PURPOSE["c"]), upload=True)
async def lessons(g: Granted) -> Response:
    from copflow.services.closing.lessons import save_leads_lessons

    w = g.w
    posted = await read_multipart(g.request, limit=MAX_FILE_BYTES + 64 * 1024, too_large=TOO_LARGE)

    async def refused(why: str, status: int = 422) -> Response:
        return await cop_page_response(g, errors={"lessons": why}, notice="Nothing was saved.", status=status,
                                       section=SECTION)

    if posted.data is None:
        return await refused("Choose the completed report to send.")
    problem = file_problem(posted.file_name, posted.content_type, posted.data)
    if problem:
        return await refused(problem, 415)
    try:
        text = await run_in_threadpool(_read, posted.file_name, posted.data)
        await run_in_threadpool(lambda: save_leads_lessons(w.uow(), slug=g.grant.cop_slug or "", text=text,
                                                           by=f"{g.grant.email} (via web)", now=w.now()))
    except UnreadableUpload as exc:
        return await refused(str(exc))
    except CopflowError as exc:
        return await refused(in_a_sentence(exc, {"lessons": "The report"}))
    return await cop_page_response(g, notice=f"Thank you: the lessons-learned report ({posted.file_name}) is saved; "
                                             f"it goes into the community's closure archive.", section=SECTION)
