"""Build MIME messages from outbox rows: safe headers, text + HTML, and an iMIP part when there is one."""

from __future__ import annotations

import email.policy
import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr


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


def _one_line(value: str) -> str:
    # Header values never carry a line break, whatever a name or note contained.
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def sender_address(sender: str) -> Address:
    name, addr = parseaddr(sender)
    local, _, domain = addr.partition("@")
    return Address(display_name=_one_line(name), username=local or "copflow", domain=domain or "localhost")


def message_id(key: str, domain: str) -> str:
    """Derived from the idempotency key: a re-send after a crash carries the same Message-ID,
    so a receiving client can recognise it as the same message."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


# Python's header folder at 78 columns leaves a doubled space before an encoded word ("13:00  — Data");
# headers may be 998 characters long (RFC 5322), and ours are far shorter, so they are never folded.
POLICY = email.policy.default.clone(max_line_length=998)


def build(out: Outgoing, sender: str, now: datetime) -> EmailMessage:
    frm = sender_address(sender)
    msg = EmailMessage(policy=POLICY)
    msg["From"] = frm
    local, _, domain = out.recipient.partition("@")
    msg["To"] = Address(display_name=_one_line(out.recipient_name or ""), username=local, domain=domain)
    msg["Subject"] = _one_line(out.subject)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(out.key, frm.domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Copflow-Key"] = _one_line(out.key)
    msg.set_content(out.body_text)
    if out.body_html:
        msg.add_alternative(out.body_html, subtype="html")
    if out.ics:
        # CalConnect iMIP practice: the calendar is the last alternative (so clients show Accept/Decline)
        # and again as an attachment for clients that only look there; one invitation per mail.
        method = out.ics_method or "REQUEST"
        msg.add_alternative(out.ics, subtype="calendar", params={"method": method})
        msg.add_attachment(out.ics.encode("utf-8"), maintype="application", subtype="ics", filename="invite.ics")
    return msg
