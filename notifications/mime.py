"""Build MIME messages from outbox rows: safe headers, text + HTML, and an iMIP part when there is one.

The bytes are written here directly rather than through `email.message.EmailMessage`, whose header registry
re-parses every header we set and again when it serialises (that was 80% of composing an invitation; see
docs/benchmarks.md). What is written is deliberately narrow: one-line headers (never folded — ours are far
below RFC 5322's 998 characters), RFC 2047 encoded words for non-ASCII text, IDNA domains, and each body part
as 7bit when it is plain ASCII, quoted-printable (text) or base64 (calendar, attachment) when it is not.
`tests/unit/test_mime.py` reads every shape back with the standard library's strict parser.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime, parseaddr
from functools import lru_cache


@dataclass(frozen=True)
class Outgoing:
    """What the transports need of one outbox row."""

    key: str
    recipient: str
    recipient_name: str | None
    subject: str
    body_text: str
    body_html: str | None
    ics: str | None = None
    ics_method: str | None = None
    attachment_name: str | None = None  # a text file sent along (an .html report, a .md draft)
    attachment: str | None = None
    # This message's own Reply-To (a join request: the person asking; a forwarded reply: its writer), over the
    # programme's
    reply_to: str | None = None


@dataclass(frozen=True)
class Built:
    """A message ready to send: its bytes (LF line ends, as the standard library writes them; SMTP sends CRLF),
    and what copflow reads back of it."""

    data: bytes
    headers: dict[str, str] = field(default_factory=dict)
    envelope_from: str = ""  # MAIL FROM: the sender's address
    envelope_to: str = ""  # RCPT TO: ASCII with an IDNA domain where it can be
    needs_smtputf8: bool = False  # a non-ASCII local part: only a server offering SMTPUTF8 can take it

    def as_bytes(self) -> bytes:
        return self.data

    def __getitem__(self, name: str) -> str:
        return self.headers[name]


def _one_line(value: str) -> str:
    # Header values never carry a line break, whatever a name or note contained.
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def _encoded_words(text: str) -> str:
    """RFC 2047 base64 words of at most 45 bytes of UTF-8 each (75 characters a word), never splitting a
    character."""
    words, chunk = [], b""
    for ch in text:
        b = ch.encode("utf-8")
        if len(chunk) + len(b) > 45:
            words.append(chunk)
            chunk = b""
        chunk += b
    words.append(chunk)
    return " ".join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words if w)


def _text(value: str) -> str:
    """A header's text: ASCII words stay readable; each run of words with non-ASCII becomes encoded words
    (the space between two encoded words is dropped when decoding, the space beside plain text is not)."""
    value = _one_line(value)
    if value.isascii() and "=?" not in value:
        return value
    out: list[str] = []
    run: list[str] = []
    for word in value.split(" "):
        if word.isascii() and "=?" not in word:
            if run:
                out.append(_encoded_words(" ".join(run)))
                run = []
            out.append(word)
        else:
            run.append(word)
    if run:
        out.append(_encoded_words(" ".join(run)))
    return " ".join(out)


_SPECIALS = set('()<>[]:;@\\,."')


def _display_name(name: str) -> str:
    name = _one_line(name)
    if not name.isascii():
        return _encoded_words(name)
    if _SPECIALS & set(name):
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return name


def _ascii_domain(domain: str) -> str:
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain  # left as UTF-8: only an SMTPUTF8 server will take it


def _address(name: str, addr: str) -> tuple[str, str]:
    """(header text, envelope address) for one mailbox."""
    local, _, domain = addr.partition("@")
    spec = f"{local}@{_ascii_domain(domain)}" if domain else local
    shown = _display_name(name) if name.strip() else ""
    return (f"{shown} <{spec}>" if shown else spec), spec


@lru_cache(maxsize=8)
def sender_parts(sender: str) -> tuple[str, str, str]:
    """(display name, address, domain) of the configured sender (one per installation: parsed once)."""
    name, addr = parseaddr(sender)
    local, _, domain = addr.partition("@")
    return _one_line(name), f"{local or 'copflow'}@{domain or 'localhost'}", domain or "localhost"


@lru_cache(maxsize=8)
def _sender(sender: str) -> tuple[str, str, str]:
    name, addr, domain = sender_parts(sender)
    header, envelope = _address(name, addr)
    return header, envelope, domain


def message_id(key: str, domain: str) -> str:
    """Derived from the idempotency key: a re-send after a crash carries the same Message-ID,
    so a receiving client can recognise it as the same message."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _part(content_type: str, body: str, *, binary_cte: str = "quoted-printable", extra: str = "") -> str:
    text = body if body.endswith("\n") else body + "\n"
    if text.isascii() and all(len(line) <= 998 for line in text.splitlines()):
        cte, payload = "7bit", _lf(text)
    elif binary_cte == "base64":  # the calendar keeps its own CRLF line ends inside the encoding
        cte, payload = "base64", _b64(text.encode("utf-8"))
    else:
        cte, payload = "quoted-printable", binascii.b2a_qp(_lf(text).encode("utf-8"), istext=True).decode("ascii")
    return f"Content-Type: {content_type}\nContent-Transfer-Encoding: {cte}\n{extra}\n{payload}"


def _b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii")


_ATTACHMENT_TYPES = {".html": "text/html", ".md": "text/markdown", ".csv": "text/csv", ".ics": "application/ics",
                     ".pdf": "application/pdf",
                     ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
_BINARY = (".pdf", ".docx")  # stored in the outbox as base64 text already


def _attachment(name: str, text: str) -> str:
    """A UTF-8 text file as a base64 attachment; the name is ours (slugs and dates), kept to a safe alphabet."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name) or "attachment.txt"
    suffix = safe[safe.rfind("."):].lower() if "." in safe else ""
    kind = _ATTACHMENT_TYPES.get(suffix, "text/plain")
    if suffix in _BINARY:
        data = base64.b64decode(text)
        return (f'Content-Type: {kind}; name="{safe}"\nContent-Transfer-Encoding: base64\n'
                f'Content-Disposition: attachment; filename="{safe}"\n\n' + _b64(data))
    return (f'Content-Type: {kind}; charset="utf-8"; name="{safe}"\nContent-Transfer-Encoding: base64\n'
            f'Content-Disposition: attachment; filename="{safe}"\n\n' + _b64(text.encode("utf-8")))


def _multipart(subtype: str, boundary: str, parts: list[str]) -> str:
    inner = "".join(f"--{boundary}\n{p}\n" for p in parts)
    return f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n\n{inner}--{boundary}--\n'


def build(out: Outgoing, sender: str, now: datetime, reply_to: str | None = None) -> Built:
    """`reply_to`: the programme's contact address, where the mails' "reply to this message" goes, unless the
    message has its own (`out.reply_to`)."""
    reply_to = out.reply_to or reply_to
    frm, envelope_from, sender_domain = _sender(sender)
    reply_to = out.reply_to or reply_to
    reply = f"Reply-To: {_address(*parseaddr(reply_to))[0]}\n" if reply_to else ""
    to, envelope_to = _address(out.recipient_name or "", out.recipient)
    mid = message_id(out.key, sender_domain)
    subject = _one_line(out.subject)
    head = (f"From: {frm}\n{reply}To: {to}\nSubject: {_text(subject)}\nDate: {format_datetime(now)}\n"
            f"Message-ID: {mid}\nAuto-Submitted: auto-generated\nX-Copflow-Key: {_text(out.key)}\n"
            "MIME-Version: 1.0\n")
    seed = hashlib.sha256(f"{out.key}|{now.isoformat()}".encode()).hexdigest()[:24]
    alternatives = [_part('text/plain; charset="utf-8"', out.body_text)]
    if out.body_html:
        alternatives.append(_part('text/html; charset="utf-8"', out.body_html))
    attachments = []
    if out.ics:
        # CalConnect iMIP practice: the calendar is the last alternative (so clients show Accept/Decline)
        # and again as an attachment for clients that only look there; one invitation per mail.
        method = out.ics_method or "REQUEST"
        alternatives.append(_part(f'text/calendar; charset="utf-8"; method={method}', out.ics,
                                  binary_cte="base64"))
        attachments.append('Content-Type: application/ics; name="invite.ics"\nContent-Transfer-Encoding: base64\n'
                           'Content-Disposition: attachment; filename="invite.ics"\n\n'
                           + _b64(out.ics.encode("utf-8")))
    if out.attachment_name and out.attachment is not None:
        attachments.append(_attachment(out.attachment_name, out.attachment))
    if attachments:
        inner = _multipart("alternative", f"=_alt_{seed}", alternatives) if len(alternatives) > 1 else alternatives[0]
        body = _multipart("mixed", f"=_mixed_{seed}", [inner, *attachments])
    elif len(alternatives) > 1:
        body = _multipart("alternative", f"=_alt_{seed}", alternatives)
    else:
        body = alternatives[0]
    data = (head + body).encode("utf-8")
    return Built(data, {"Message-ID": mid, "To": to, "Subject": subject, "X-Copflow-Key": out.key},
                 envelope_from, envelope_to, needs_smtputf8=not (envelope_to + envelope_from).isascii())
