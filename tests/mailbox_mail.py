"""Mail as people and mail systems send it back, for the mailbox tests: a CoP whose messages were sent (outbox rows
with their Message-IDs, as the deliverer records them), and replies built with the standard library's email
package (a bounce from tests/corpus/dsn/, an out-of-office, a lead's lessons, a question, hostile mail)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from string import Template

from sqlalchemy import select, update

from copflow.db.models import Cop, Notification
from copflow.db.uow import UnitOfWork
from notifications.mime import message_id
from tests.integration.helpers import D, queue_messages, to_active

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DSN = Path(__file__).parent / "corpus" / "dsn"
DOMAIN = "uni.example.org"


def sent_world(url: str) -> dict[str, str]:
    """data-insight (ann coordinator, bob lead, cat core, dir sponsor): a reminder to ann, a closing notice (the
    lessons-learned request) to bob and a lessons receipt to ann, all sent. Returns each one's Message-ID."""
    to_active(url)
    sent = {"reminder": ("data-insight/reminder/ann", f"ann@{D}", "gate_reminder"),
            "closing": ("data-insight/closing/bob", f"bob@{D}", "closing_notice"),
            "receipt": ("inbox/lessons-received/x/ann", f"ann@{D}", "lessons_received")}
    queue_messages(url, [(key, to) for key, to, _ in sent.values()], now=NOW, cop_name="Data and Insight")
    ids = {}
    with UnitOfWork(url) as u:
        cop_id = u.session.scalar(select(Cop.id).where(Cop.slug == "data-insight"))
        for name, (key, _, kind) in sent.items():
            ids[name] = message_id(key, DOMAIN)
            u.session.execute(update(Notification).where(Notification.idempotency_key == key).values(
                status="sent", sent_at=NOW, message_id=ids[name], kind=kind, cop_id=cop_id))
        u.commit()
    return ids


def dsn(name: str, *, recipient: str, answers: str, subject: str = "Data and Insight: a gate is due") -> bytes:
    text = (DSN / f"{name}.eml").read_text(encoding="utf-8")
    return Template(text).substitute(recipient=recipient, message_id=answers, subject=subject).encode()


def reply(sender: str, *, answers: str | None = None, subject: str = "Re: Data and Insight", text: str | None = "Thanks",
          html: str | None = None, headers: dict[str, str] | None = None,
          attachment: tuple[str, bytes] | None = None, calendar: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = f"cop-programme@{DOMAIN}"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(NOW)
    msg["Message-ID"] = make_msgid(domain="staff.example.org")
    if answers:
        msg["In-Reply-To"] = answers
        msg["References"] = answers
    for name, value in (headers or {}).items():
        msg[name] = value
    if text is not None:
        msg.set_content(text)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    elif html is not None:
        msg.set_content(html, subtype="html")
    if calendar is not None:  # as Outlook sends an answer: the calendar alone, its METHOD in the Content-Type too
        method = next((line[7:].strip() for line in calendar.splitlines() if line.startswith("METHOD:")), "REPLY")
        msg.set_content(calendar, subtype="calendar", params={"method": method})
    if attachment is not None:
        name, data = attachment
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg.as_bytes()


def calendar_reply(attendee: str, uid: str = "unknown-uid@copflow") -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20260302T090000Z\r\nORGANIZER:mailto:cop-programme@{DOMAIN}\r\n"
            f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{attendee}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
