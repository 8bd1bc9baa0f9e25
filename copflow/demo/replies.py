"""Mail that comes back to the demo's programme mailbox (the Maildir COPFLOW_INBOX_MAILDIR), read as copflow reads
it: Isla Murray has left the university, so the last mail to her bounces (a delivery status notification as
Exchange Online writes one), and Facilities Management's coordinator replies to its closing notice with the
completed lessons learned. The digest then lists the address that bounces; the archive keeps the lessons."""

from __future__ import annotations

import uuid
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.demo.data import DOMAIN

LEAVER = f"isla.murray@{DOMAIN}"
LESSONS_FROM = f"femi.adeyemi@{DOMAIN}"
LESSONS = """# Lessons learned: Facilities Management

## What came of each aim
- Lunch and learns: eight held, on suppliers, energy and room bookings.
- Shared resource library: the supplier notes now live in the Estates forum.

## What worked
Short sessions with one supplier at a time.

## What did not
Overlap with the Estates forum from the start.

## What to keep
The supplier notes, handed to the Estates forum.
"""


def _sent(url: str, recipient: str, kind: str | None = None) -> Notification | None:
    with UnitOfWork(url) as u:
        query = select(Notification).where(Notification.recipient == recipient, Notification.status == "sent",
                                           Notification.message_id.is_not(None))
        if kind:
            query = query.where(Notification.kind == kind)
        found = u.session.scalars(query.order_by(Notification.id.desc())).first()
        if found is not None:
            u.session.expunge(found)
        return found


def _bounce(sent: Notification, now: datetime) -> bytes:
    """An Exchange Online non-delivery report (5.1.10, recipient not found) for `sent`, as its relay returns it."""
    to, mid = sent.recipient, sent.message_id
    return f"""From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@{DOMAIN}>
To: <cop-programme@{DOMAIN}>
Subject: Undeliverable: {sent.subject}
Date: {format_datetime(now)}
Message-ID: {make_msgid(domain="eurprd01.prod.exchangelabs.com")}
In-Reply-To: {mid}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="ndr"

--ndr
Content-Type: text/plain; charset="us-ascii"

Your message to {to} couldn't be delivered.
{to} wasn't found at {DOMAIN}.

--ndr
Content-Type: message/delivery-status

Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.exchangelabs.com

Final-Recipient: rfc822;{to}
Action: failed
Status: 5.1.10
Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup

--ndr
Content-Type: text/rfc822-headers

To: <{to}>
Message-ID: {mid}

--ndr--
""".encode()


def _lessons_reply(asked: Notification, now: datetime) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Femi Adeyemi <{LESSONS_FROM}>"
    msg["Subject"] = f"Re: {asked.subject}"
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=DOMAIN)
    msg["In-Reply-To"] = msg["References"] = asked.message_id or ""
    msg.set_content("Here are our lessons learned, completed with the core group.\n\nFemi\n")
    msg.add_attachment(LESSONS.encode(), maintype="text", subtype="markdown", filename="lessons-learned.md")
    return msg.as_bytes()


def reply_as_people(url: str, inbox: Path, now: datetime) -> int:
    """Put the bounce and the lessons reply in the programme's mailbox; how many (a mail never sent, none)."""
    new = inbox / "new"
    new.mkdir(parents=True, exist_ok=True)
    put = 0
    bounced, asked = _sent(url, LEAVER), _sent(url, LESSONS_FROM, "closing_notice")
    for data in ([_bounce(bounced, now)] if bounced else []) + ([_lessons_reply(asked, now)] if asked else []):
        (new / f"{uuid.uuid4().hex}.demo").write_bytes(data)
        put += 1
    return put
