"""A form with one file (multipart), read as strictly as any form: from this site, its size bounded before a byte
of it is read (the declared length) and as it streams, at most one file and a few small fields, and the CSRF token
checked before the file is looked at. The console's imports and the leads' lessons-learned report use it."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request

from copflow.web.csrf import FIELD, cookie_name, from_this_site
from copflow.web.pages import FORGED, csrf_scope, web


@dataclass(frozen=True)
class Posted:
    """A posted form with at most one file: its text fields and the file (None when no file was chosen)."""

    fields: dict[str, str]
    file_name: str  # as the browser named it (shown to the person, never used as a path)
    content_type: str  # as the browser declared it, lower case
    data: bytes | None


async def read_multipart(request: Request, *, limit: int, too_large: str) -> Posted:
    """The form, refused with 413 (`too_large`) past `limit` bytes, 403 if forged, 415 if not multipart."""
    w = web(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:  # refused before a byte of it is read
        raise HTTPException(413, too_large)
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
                raise HTTPException(413, too_large)
    except ClientDisconnect:
        raise HTTPException(400, "The file did not arrive whole: send it again.") from None
    replay = Request(request.scope, receive=_replay(bytes(body)))
    from starlette.formparsers import MultiPartException

    try:  # a malformed body is Starlette's 400 (it raises HTTPException inside an app), said in our words here
        form = await replay.form(max_files=1, max_fields=20, max_part_size=64 * 1024)
    except (MultiPartException, HTTPException):
        raise HTTPException(400, "The form could not be read: send it again from the page.") from None
    try:
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        session = w.csrf.session(request.cookies.get(cookie_name(w.settings.web_url)))
        if not w.csrf.valid(session, csrf_scope(request), fields.get(FIELD)):
            raise HTTPException(403, FORGED)
        w.cache.clear()  # a write may follow: nothing read before it is shown after it
        file = form.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            return Posted(fields, "", "", None)
        return Posted(fields, file.filename[-200:], (file.content_type or "").lower(), await file.read())
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
