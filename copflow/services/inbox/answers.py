"""People's answers: a lead's completed lessons learned (attached to a reply to the lessons-learned request,
read with the same checks as `copflow cop lessons --file`, and a receipt to the leads), a calendar reply (applied
by copflow/services/meetings/replies.py), and anything else forwarded once to the programme's contact address
with the thread it answers."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Cop, Notification
from copflow.services.clock import cop_date
from copflow.services.closing.lessons import add_lessons
from copflow.services.errors import InvalidInput
from copflow.services.inbox.record import IGNORED, PROCESSED, QUARANTINED, Outcome
from copflow.services.mail.outbox import Recipient, cop_context, enqueue, holders
from copflow.services.meetings.replies import ReplyRefused, apply_calendar_reply
from lifecycle.audiences import LEAD_ROLES
from notifications.documents import UnreadableDocument, document_text
from notifications.inbound import Letter

# What asks the leads for their lessons learned: the closing notice (the draft attached) and the draft sent later.
LESSONS_REQUESTS = frozenset({"closing_notice", "document_follows"})
# copflow's own answers to mail: a reply to one of these is a loop, never answered again.
RECEIPTS = frozenset({"lessons_received", "reply_forwarded"})
LESSONS_SUFFIXES = (".docx", ".md", ".pdf")
MAX_FORWARDED_CHARS = 20_000
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,253}")


@dataclass(frozen=True)
class Programme:
    """Who copflow is when it reads its mail: its own addresses (mail from them is a loop) and where the replies
    nobody else reads go (COPFLOW_REPLY_TO, else the OD manager)."""

    own_addresses: frozenset[str]
    contact: str | None


def answered(s: Session, letter: Letter) -> Notification | None:
    """The message of copflow's that `letter` answers (In-Reply-To, then References, newest first)."""
    if not letter.answers:
        return None
    found = {n.message_id: n for n in s.scalars(select(Notification).where(
        Notification.message_id.in_(letter.answers[:50])))}
    return next((found[mid] for mid in letter.answers if mid in found), None)


def lessons_reply(s: Session, letter: Letter, thread: Notification, *, now: datetime) -> Outcome | None:
    """A lead's reply to a lessons-learned request with a .docx/.md/.pdf attached: the CoP's lessons, and a
    receipt to the leads. None when `letter` is not one (it is forwarded instead)."""
    cop = s.get(Cop, thread.cop_id) if thread.cop_id is not None else None
    files = [a for a in letter.attachments if Path(a.name).suffix.lower() in LESSONS_SUFFIXES]
    if cop is None or not files or thread.kind not in LESSONS_REQUESTS:
        return None
    leads = holders(cop, LEAD_ROLES)
    if letter.sender not in {r.email.lower() for r in leads}:
        return None
    sent = files[0]
    suffix = Path(sent.name).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="copflow-reply-") as tmp:
        path = Path(tmp) / f"lessons{suffix}"
        path.write_bytes(sent.data)
        try:
            text = document_text(path)
        except UnreadableDocument as exc:
            reason = str(exc).replace(str(path), sent.name)
            return Outcome(QUARANTINED, "lessons", f"the attached report cannot be read: {reason}", cop_id=cop.id)
    try:
        add_lessons(s, cop, text=text, by=letter.sender, now=now)
    except InvalidInput as exc:
        return Outcome(QUARANTINED, "lessons", f"the attached report: {exc}", cop_id=cop.id)
    context = {**cop_context(cop), "sender": letter.sender, "file_name": sent.name, "characters": len(text),
               "received_on": cop_date(now, cop.timezone).isoformat()}
    for lead in leads:
        enqueue(s, key=f"inbox/lessons-received/{letter.message_id}/{lead.email}", cop_id=cop.id,
                kind="lessons_received", to=lead, context=context, now=now)
    return Outcome(PROCESSED, "lessons", f"lessons learned of {cop.slug} from {sent.name}", cop_id=cop.id,
                   notification_id=thread.id)


def forward(s: Session, letter: Letter, thread: Notification | None, programme: Programme, *,
            now: datetime) -> Outcome:
    """Send the reply on to the programme's contact address, once (keyed by its Message-ID), with the message of
    copflow's it answers."""
    if programme.contact is None:
        return Outcome(IGNORED, "reply", "no contact address to forward it to (set COPFLOW_REPLY_TO)")
    cop = s.get(Cop, thread.cop_id) if thread is not None and thread.cop_id is not None else None
    context: dict[str, Any] = {**(cop_context(cop) if cop else {"cop": None}),
                               "original": {"sender": letter.sender, "subject": letter.subject,
                                            "text": (letter.text or "")[:MAX_FORWARDED_CHARS],
                                            "attachments": [a.name for a in letter.attachments]},
                               "thread": None if thread is None else {
                                   "subject": thread.subject, "to": thread.recipient,
                                   "sent_at": (thread.sent_at or thread.created_at).isoformat()}}
    to = Recipient(programme.contact, "CoP programme", "od_manager_contact")
    # Answering the forward answers its writer; an address that is not a plain one is never put in a header.
    writer = letter.sender if _PLAIN_ADDRESS.fullmatch(letter.sender) else None
    enqueue(s, key=f"inbox/forward/{letter.message_id}", cop_id=cop.id if cop else None, kind="reply_forwarded",
            to=to, context=context, now=now, reply_to=writer)
    return Outcome(PROCESSED, "reply", f"forwarded to {programme.contact}", cop_id=cop.id if cop else None,
                   notification_id=thread.id if thread else None)


def calendar_reply(s: Session, letter: Letter, *, now: datetime) -> Outcome:
    """An iMIP REPLY or COUNTER, applied by the meetings' service; a refused one (not an attendee, an unknown UID, a
    forged ORGANIZER, a malformed calendar) is quarantined with its reason, and writes nothing."""
    assert letter.calendar is not None
    try:
        with s.begin_nested():  # a refusal half-way writes nothing
            applied = apply_calendar_reply(s, calendar=letter.calendar, sender=letter.sender, now=now)
    except ReplyRefused as exc:
        return Outcome(QUARANTINED, "calendar", f"{exc.reason}: {exc}")
    when = f" ({applied.occurrence})" if applied.occurrence else ""
    return Outcome(PROCESSED, "calendar", f"{applied.method} {applied.answer} from {applied.attendee} for "
                   f"{applied.series_uid}{when}", address=applied.attendee)
