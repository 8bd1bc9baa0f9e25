"""A message that came back to the programme's mailbox, read into plain values: who sent it and in answer to
what, whether a machine sent it (RFC 3834 Auto-Submitted, X-Autoreply, an out-of-office subject), a delivery
status notification's recipients (RFC 3464: multipart/report; report-type=delivery-status) and the headers it
returned, a calendar reply (iMIP), its text and its attachments. Nothing here decides what to do with it
(copflow/services/inbox/) and nothing is unpacked: an attachment stays bytes until a reader with limits opens it."""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr

from lifecycle.errors import CopflowError

MAX_PARTS = 200  # MIME parts walked in one message; more is hostile (a nested-multipart bomb)

_MSGID = re.compile(r"<[^<>\s]{1,250}>")
_MSGID_HEADER = re.compile(rb"^message-id:[ \t]*(?:\r?\n[ \t]+)?(<[^<>\s]{1,250}>)", re.IGNORECASE | re.MULTILINE)
_OUT_OF_OFFICE = re.compile(r"^\s*(automatic reply|auto(matic)?[ -]?(reply|response)|auto:|out of (the )?office|"
                            r"abwesenheitsnotiz|r[ée]ponse automatique|autosvar|respuesta autom[áa]tica)|"
                            r"out of (the )?office", re.IGNORECASE)
_STATUS = re.compile(r"^([245])\.\d{1,3}\.\d{1,3}")


class MalformedMessage(CopflowError, ValueError):
    """Mail that cannot be read as a message at all (its reason is what the quarantine records)."""


@dataclass(frozen=True)
class Recipient:
    """One recipient of a delivery status notification: `hard` is a permanent failure (5.x.x)."""

    address: str
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # the enhanced status code, 5.1.1
    diagnostic: str  # the remote server's reply

    @property
    def hard(self) -> bool:
        return self.action == "failed" and self.status.startswith("5")

    @property
    def soft(self) -> bool:
        return not self.hard and (self.action == "delayed" or self.status.startswith("4"))


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes


@dataclass
class Letter:
    message_id: str
    sender: str  # the From address, lower-case
    subject: str
    answers: list[str] = field(default_factory=list)  # In-Reply-To and References, newest first
    auto: str | None = None  # why it is an auto-reply, None for a person's
    copflow_key: str | None = None  # X-Copflow-Key: copflow's own mail, come back
    report: bool = False  # a delivery status notification
    recipients: list[Recipient] = field(default_factory=list)
    returned_ids: list[str] = field(default_factory=list)  # the Message-IDs of the mail that bounced
    returned_keys: list[str] = field(default_factory=list)  # its X-Copflow-Key, if the relay returned it
    calendar: bytes | None = None
    calendar_method: str | None = None
    text: str | None = None
    html_only: bool = False
    attachments: list[Attachment] = field(default_factory=list)


def message_id_of(head: bytes) -> str:
    """The Message-ID a message is recorded under: its own, or (without one) one made from its head, so a
    message without an id is still read once."""
    found = _MSGID_HEADER.search(head)
    if found:
        return found.group(1).decode("ascii", errors="replace")
    return f"<{hashlib.sha256(head).hexdigest()[:40]}@no-message-id.invalid>"


def _parse(data: bytes) -> Message:
    # compat32, not email.policy.default: its header registry parsed every header into objects and took most of
    # the reader's time (bench/mailbox_read.py); the few headers read here are decoded by `_header`.
    return email.message_from_bytes(data, policy=email.policy.compat32)


def _header(msg: Message, name: str) -> str:
    raw = msg.get(name)
    return "" if raw is None else header_text(str(raw))


def header_text(raw: str) -> str:
    """A header's value as its writer meant it: RFC 2047 encoded words decoded ("=?UTF-8?Q?R=C3=A9union?=" is
    "Réunion"), on one line, at most 1,000 characters."""
    try:
        text = str(make_header(decode_header(raw)))
    except (ValueError, TypeError, IndexError, LookupError, UnicodeError):  # undecodable: taken as it came
        text = raw
    return " ".join(text.split())[:1000]


def read_letter(data: bytes) -> Letter:
    """What `data` says; raises MalformedMessage when it cannot be read as mail."""
    try:
        msg = _parse(data)
        parts = list(msg.walk())
    except (ValueError, TypeError, IndexError, RecursionError) as exc:
        raise MalformedMessage(f"not a readable message ({type(exc).__name__})") from None
    if len(parts) > MAX_PARTS:
        raise MalformedMessage(f"{len(parts):,} MIME parts, more than the {MAX_PARTS} a reply may have")
    if not _header(msg, "From"):
        raise MalformedMessage("no From header")
    letter = Letter(message_id=message_id_of(data[:data.find(b"\n\n") + 1 or len(data)]),
                    sender=parseaddr(_header(msg, "From"))[1].lower(), subject=_header(msg, "Subject")[:300])
    letter.answers = list(reversed(_MSGID.findall(_header(msg, "References"))))
    for mid in reversed(_MSGID.findall(_header(msg, "In-Reply-To"))):
        if mid not in letter.answers:
            letter.answers.insert(0, mid)
    letter.copflow_key = _header(msg, "X-Copflow-Key") or None
    letter.auto = _auto_reply(msg, letter.subject)
    if msg.get_content_type() == "multipart/report" and \
            str(msg.get_param("report-type", "")).lower() == "delivery-status":
        letter.report = True
        _read_report(msg, letter)
        return letter
    _read_parts(msg, parts, letter)
    return letter


def _auto_reply(msg: Message, subject: str) -> str | None:
    """Why `msg` is a machine's answer (RFC 3834 and the headers mail systems set in practice), else None."""
    submitted = _header(msg, "Auto-Submitted").lower()
    if submitted and not submitted.startswith("no"):
        return f"Auto-Submitted: {submitted}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if _header(msg, name):
            return f"{name} header"
    precedence = _header(msg, "Precedence").lower()
    if precedence in ("auto_reply", "bulk", "junk"):
        return f"Precedence: {precedence}"
    if _OUT_OF_OFFICE.search(subject):
        return "out-of-office subject"
    return None


def _read_report(msg: Message, letter: Letter) -> None:
    for part in msg.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            _read_status(part, letter)
        elif kind in ("text/rfc822-headers", "message/rfc822", "message/rfc822-headers"):
            returned = _returned(part)
            if returned is not None:
                letter.returned_ids += _MSGID.findall(_header(returned, "Message-ID"))
                key = _header(returned, "X-Copflow-Key")
                if key:
                    letter.returned_keys.append(key)


def _returned(part: Message) -> Message | None:
    """The returned message's headers: a message/rfc822 part holds a parsed message, text/rfc822-headers text."""
    payload = part.get_payload()
    if isinstance(payload, list):
        first = payload[0] if payload else None
        return first if isinstance(first, Message) else None
    raw = part.get_payload(decode=True)
    return _parse(raw) if isinstance(raw, bytes) else None


def _read_status(part: Message, letter: Letter) -> None:
    blocks = part.get_payload()
    if not isinstance(blocks, list):  # a status the parser left as text: split its blocks by blank lines
        text = str(blocks)
        blocks = [email.message_from_string(b.strip() + "\n") for b in re.split(r"\n\s*\n", text) if b.strip()]
    for block in blocks[1:] if len(blocks) > 1 else blocks:  # the first block is the per-message fields
        if not isinstance(block, Message):
            continue
        recipient = _header(block, "Final-Recipient") or _header(block, "Original-Recipient")
        if not recipient:
            continue
        address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
        status = _STATUS.match(_header(block, "Status"))
        diagnostic = _header(block, "Diagnostic-Code")
        letter.recipients.append(Recipient(
            address=address, action=_header(block, "Action").lower() or "failed",
            status=status.group(0) if status else "5.0.0",
            diagnostic=(diagnostic.split(";", 1)[-1].strip() if ";" in diagnostic else diagnostic)[:500]))


def _read_parts(msg: Message, parts: list[Message], letter: Letter) -> None:
    html = None
    for part in parts:
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        name = part.get_filename()
        if kind == "text/calendar" and letter.calendar is None and not name:
            payload = part.get_payload(decode=True)
            letter.calendar = payload if isinstance(payload, bytes) else b""
            method = str(part.get_param("method", "") or "").upper()
            letter.calendar_method = method or _method_in(letter.calendar)
        elif name:
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                letter.attachments.append(Attachment(name[:200], data))
            if kind in ("text/calendar", "application/ics") and letter.calendar is None:
                letter.calendar = data if isinstance(data, bytes) else b""
                letter.calendar_method = _method_in(letter.calendar)
        elif kind == "text/plain" and letter.text is None:
            letter.text = _text_of(part)
        elif kind == "text/html" and html is None:
            html = _text_of(part)
    letter.html_only = letter.text is None and html is not None


def _method_in(calendar: bytes) -> str | None:
    found = re.search(rb"^METHOD:([A-Za-z-]{1,20})\r?$", calendar, re.MULTILINE)
    return found.group(1).decode().upper() if found else None


def _text_of(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        return data.decode("utf-8", errors="replace")


def addresses(value: str) -> list[str]:
    """The addresses in a header's value, lower-case."""
    return [a.lower() for _, a in getaddresses([value]) if a]
