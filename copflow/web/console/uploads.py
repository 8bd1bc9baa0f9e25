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

from starlette.requests import Request

from copflow.services.imports.reader import MAX_BYTES
from copflow.web.multipart import read_multipart
from copflow.web.pages import web

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
    posted = await read_multipart(request, limit=MAX_BYTES + 64 * 1024,
                                  too_large=f"The file is larger than the {MAX_BYTES // (1024 * 1024)} MB an import "
                                            "accepts.")
    if posted.data is None:
        return Upload(posted.fields, "", None)
    return Upload(posted.fields, posted.file_name, _keep(request, posted.file_name, posted.data, owner))


def _keep(request: Request, file_name: str, data: bytes, owner: str) -> Path:
    suffix = Path(file_name).suffix.lower()
    folder = uploads_dir(request)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for old in folder.iterdir():  # uploads never confirmed: gone after an hour
        if old.is_file() and old.stat().st_mtime < time.time() - KEEP_SECONDS:
            old.unlink(missing_ok=True)
    # The importers read by suffix; any other is kept as given so the importer names it ("give a .csv or .xlsx").
    target = folder / f"{owner[:16]}-{secrets.token_urlsafe(18)}{suffix if suffix in SUFFIXES else '.unknown'}"
    target.write_bytes(data)
    return target


def kept(request: Request, owner: str, upload_id: str) -> Path | None:
    """A file this session uploaded and has not imported yet, by the id the dry run's page carries."""
    name = Path(upload_id).name
    if name != upload_id or not name.startswith(f"{owner[:16]}-") or len(name) > 16 + 1 + _ID + 8:
        return None
    path = uploads_dir(request) / name
    return path if path.is_file() else None
