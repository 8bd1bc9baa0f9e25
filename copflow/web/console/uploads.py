"""An upload to the console, read as strictly as any form: from this site, with its CSRF token, and bounded
before it is read (the importers' own limit, copflow/services/imports/reader.py `MAX_BYTES`, plus room for the
form's other fields). The file is kept under the home folder's `console-uploads/` between the dry run and the
confirmation, named by a random id and bound to the session that sent it; it is deleted once imported, and any
left behind are deleted after an hour."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request

from copflow.services.imports.reader import MAX_BYTES
from copflow.web.csrf import FIELD, cookie_name, from_this_site
from copflow.web.pages import FORGED, csrf_scope, web

SUFFIXES = (".csv", ".xlsx", ".xlsm", ".txt")
KEEP_SECONDS = 3600
_ID = 24  # characters of a stored upload's random id


@dataclass(frozen=True)
class Upload:
    """A posted form with one file: its text fields and the file as kept on the server."""

    fields: dict[str, str]
    file_name: str  # as the browser named it (shown to the person, never used as a path)
    stored: Path | None  # None when no file was chosen


def uploads_dir(request: Request) -> Path:
    return web(request).settings.home / "console-uploads"


async def read_upload(request: Request, owner: str) -> Upload:
    """The form (multipart) after the same checks as every form, its file kept for `owner` (a session's hash)."""
    w = web(request)
    limit = MAX_BYTES + 64 * 1024
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:  # refused before a byte of it is read
        raise HTTPException(413, f"The file is larger than the {MAX_BYTES // (1024 * 1024)} MB an import accepts.")
    if not from_this_site(request.headers, web_url=w.settings.web_url, scheme=request.url.scheme,
                          host=request.headers.get("host", "")):
        raise HTTPException(403, FORGED)
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "multipart/form-data":
        raise HTTPException(415, "Send the file with the page's own form.")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise HTTPException(413, f"The file is larger than the {MAX_BYTES // (1024 * 1024)} MB an import "
                                         "accepts.")
    except ClientDisconnect:
        raise HTTPException(400, "The file did not arrive whole: send it again.") from None
    replay = Request(request.scope, receive=_replay(bytes(body)))
    from starlette.formparsers import MultiPartException

    try:  # a malformed body is Starlette's 400 (it raises HTTPException inside an app), said in our words here
        form = await replay.form(max_files=1, max_fields=20, max_part_size=64 * 1024)
    except (MultiPartException, HTTPException):
        raise HTTPException(400, "The form could not be read: send it again from the page.") from None
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    session = w.csrf.session(request.cookies.get(cookie_name(w.settings.web_url)))
    if not w.csrf.valid(session, csrf_scope(request), fields.get(FIELD)):
        await form.close()
        raise HTTPException(403, FORGED)
    file = form.get("file")
    try:
        if not isinstance(file, UploadFile) or not file.filename:
            return Upload(fields, "", None)
        return Upload(fields, file.filename[-200:], await _keep(request, file, owner))
    finally:
        await form.close()


def _replay(body: bytes):  # type: ignore[no-untyped-def]
    sent = False

    async def receive() -> dict[str, object]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _keep(request: Request, file: UploadFile, owner: str) -> Path:
    suffix = Path(file.filename or "").suffix.lower()
    folder = uploads_dir(request)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for old in folder.iterdir():  # uploads never confirmed: gone after an hour
        if old.is_file() and old.stat().st_mtime < time.time() - KEEP_SECONDS:
            old.unlink(missing_ok=True)
    # The importers read by suffix; any other is kept as given so the importer names it ("give a .csv or .xlsx").
    target = folder / f"{owner[:16]}-{secrets.token_urlsafe(18)}{suffix if suffix in SUFFIXES else '.unknown'}"
    target.write_bytes(await file.read())
    return target


def kept(request: Request, owner: str, upload_id: str) -> Path | None:
    """A file this session uploaded and has not imported yet, by the id the dry run's page carries."""
    name = Path(upload_id).name
    if name != upload_id or not name.startswith(f"{owner[:16]}-") or len(name) > 16 + 1 + _ID + 8:
        return None
    path = uploads_dir(request) / name
    return path if path.is_file() else None
