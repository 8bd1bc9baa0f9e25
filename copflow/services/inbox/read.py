"""Read the programme's mailbox: each waiting message's size first (one over the limit is quarantined unread),
its Message-ID claimed in the transaction that acts on it (copflow/services/inbox/record.py), then sorted and
moved to the folder of its outcome. A message read before is only moved again; a refusal quarantines one message
with its reason, writes nothing else, and the run goes on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr

from sqlalchemy.orm import Session

from copflow.db.uow import UnitOfWork
from copflow.services.inbox.answers import (
    RECEIPTS,
    Programme,
    answered,
    calendar_reply,
    forward,
    lessons_reply,
)
from copflow.services.inbox.bounces import apply_bounce
from copflow.services.inbox.record import IGNORED, PROCESSED, QUARANTINED, Outcome, claim, earlier, settle
from copflow.settings import Settings
from notifications.inbound import MalformedMessage, header_text, message_id_of, read_letter
from notifications.mailbox import HEAD_BYTES, Mailbox, OpenMailbox, Waiting

MAX_MESSAGE_BYTES = 10_000_000
CALENDAR_ANSWERS = ("REPLY", "COUNTER")


@dataclass
class ReadSummary:
    where: str
    read: int = 0
    processed: int = 0
    ignored: int = 0
    quarantined: int = 0
    read_before: int = 0  # already recorded (another reader's, or a run that could not move it): moved only
    # One line per message acted on: "<message-id> outcome kind: reason".
    lines: list[str] = field(default_factory=list)

    def count(self, outcome: Outcome) -> None:
        self.read += 1
        if outcome.outcome == PROCESSED:
            self.processed += 1
        elif outcome.outcome == IGNORED:
            self.ignored += 1
        else:
            self.quarantined += 1


def read_mailbox(uow: UnitOfWork, box: Mailbox, programme: Programme, *, now: datetime,
                 max_bytes: int = MAX_MESSAGE_BYTES, limit: int = 500) -> ReadSummary:
    """Read up to `limit` waiting messages (oldest first); the rest wait for the next run."""
    summary = ReadSummary(box.describe())
    with box.open() as opened:
        moves: dict[str, list[str]] = {}
        for waiting in opened.waiting()[:limit]:
            folder = _read_one(uow, opened, waiting, programme, now=now, max_bytes=max_bytes, summary=summary)
            if folder is not None:
                moves.setdefault(folder, []).append(waiting.ref)
        # Moved once per folder after the messages are read (recorded and committed one by one): a run stopped
        # before this leaves them where they were, for the next run to move without reading them again.
        for folder, refs in moves.items():
            opened.move(refs, folder)
    return summary


def _read_one(uow: UnitOfWork, opened: OpenMailbox, waiting: Waiting, programme: Programme, *, now: datetime,
              max_bytes: int, summary: ReadSummary) -> str | None:
    small = waiting.size <= max_bytes
    try:  # a message within the limit is read whole at once (one round trip), a larger one only its head
        data = opened.whole(waiting.ref) if small else b""
        head = _head_of(data) if small else opened.head(waiting.ref)
    except (KeyError, FileNotFoundError):
        return None  # moved by another reader since the listing
    mid = message_id_of(head)
    with uow:
        s = uow.session
        if not claim(s, message_id=mid, sender=_said(head, b"from"), subject=_said(head, b"subject"), now=now):
            summary.read_before += 1
            return earlier(s, mid, now=now)
        if small:
            outcome = sort(s, data, programme, now=now)
        else:
            outcome = Outcome(QUARANTINED, "too_large", f"{waiting.size:,} bytes, more than the {max_bytes:,} a "
                              "reply may have: not read")
        settle(s, mid, outcome)
        uow.commit()
    summary.count(outcome)
    summary.lines.append(f"{mid} {outcome.outcome} {outcome.kind}: {outcome.reason}")
    return outcome.outcome


def _head_of(data: bytes) -> bytes:
    text = data[:HEAD_BYTES].replace(b"\r\n", b"\n")
    end = text.find(b"\n\n")
    return text if end < 0 else text[:end + 2]


def sort(s: Session, data: bytes, programme: Programme, *, now: datetime) -> Outcome:
    """What one message is, and what it changes (in `s`, the claim's transaction)."""
    try:
        letter = read_letter(data)
    except MalformedMessage as exc:
        return Outcome(QUARANTINED, "malformed", str(exc))
    if letter.report:
        return apply_bounce(s, letter, now=now)
    local, _, domain = letter.sender.partition("@")
    if letter.copflow_key or f"{local.split('+', 1)[0]}@{domain}" in programme.own_addresses:  # a plus-address too
        return Outcome(QUARANTINED, "loop", f"copflow's own mail came back (from {letter.sender})")
    thread = answered(s, letter)
    if letter.auto:
        return Outcome(IGNORED, "auto_reply", letter.auto, address=letter.sender,
                       notification_id=thread.id if thread else None)
    if thread is not None and thread.kind in RECEIPTS:
        return Outcome(QUARANTINED, "loop", f"a reply to copflow's own {thread.kind.replace('_', ' ')}: "
                       "not answered again", notification_id=thread.id)
    if letter.calendar is not None:
        if letter.calendar_method in CALENDAR_ANSWERS:
            return calendar_reply(s, letter, now=now)
        return Outcome(QUARANTINED, "calendar", f"a calendar with METHOD {letter.calendar_method or '(none)'}, "
                       "not a reply copflow reads (REPLY, COUNTER)")
    if letter.html_only:
        return Outcome(QUARANTINED, "html_only", "an HTML-only reply: copflow forwards text, never HTML it "
                       "cannot check")
    if thread is not None:
        lessons = lessons_reply(s, letter, thread, now=now)
        if lessons is not None:
            return lessons
    return forward(s, letter, thread, programme, now=now)


def _said(head: bytes, name: bytes) -> str:
    """A header's value from the message's head, for the record (the message itself is read later): its folded
    lines joined and its encoded words decoded, as `copflow mail list` shows it."""
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    for i, line in enumerate(lines):
        if line.lower().startswith(name + b":"):
            value = line[len(name) + 1:]
            for more in lines[i + 1:]:
                if more[:1] not in (b" ", b"\t"):
                    break
                value += b" " + more.strip()
            return header_text(value.decode("utf-8", errors="replace"))[:300]
    return ""


def mailbox_for(settings: Settings) -> Mailbox:
    """The IMAP server when COPFLOW_IMAP_HOST is set, else the local Maildir folder COPFLOW_INBOX_MAILDIR."""
    from notifications.mailbox import ImapMailbox, MaildirMailbox

    imap = settings.imap
    if imap is None:
        return MaildirMailbox(settings.inbox_maildir or settings.home / "inbox")
    return ImapMailbox(imap.host, imap.port, username=imap.username, password=imap.password, folder=imap.folder,
                       use_ssl=imap.ssl, timeout=imap.timeout, oauth=imap.token_source(),
                       allow_plaintext_auth=imap.allow_plaintext_auth)


def programme_of(settings: Settings) -> Programme:
    """copflow's own addresses (the sender, the mailbox's user) and where replies nobody else reads go."""
    own = {parseaddr(settings.sender)[1].lower()}
    if settings.organizer_email:
        own.add(settings.organizer_email.lower())
    if settings.imap is not None and "@" in settings.imap.username:
        own.add(settings.imap.username.lower())
    contact = parseaddr(settings.reply_to)[1] if settings.reply_to else settings.od_manager_email
    return Programme(own_addresses=frozenset(own - {""}), contact=contact or None)


def read_with_settings(settings: Settings, *, now: datetime, limit: int = 500,
                       uow: UnitOfWork | None = None) -> ReadSummary:
    """`uow`: the caller's, to learn what the reading queued (`UnitOfWork.queued`: receipts, forwards)."""
    return read_mailbox(uow or UnitOfWork(settings.database_url), mailbox_for(settings), programme_of(settings),
                        now=now, max_bytes=settings.imap.max_bytes if settings.imap else MAX_MESSAGE_BYTES, limit=limit)
