"""What came of each message read: one `inbound_mail` row per Message-ID, inserted first in the transaction that
acts on the message (INSERT … ON CONFLICT DO NOTHING), so that of two readers at once the second waits for the
first's commit and then finds the row: each message is acted on once, and reading again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from copflow.db.models import InboundMail

PROCESSED, IGNORED, QUARANTINED = "processed", "ignored", "quarantined"


@dataclass(frozen=True)
class Outcome:
    """Where a message goes (its folder), what it was and why; the rows it concerns."""

    outcome: str
    kind: str
    reason: str
    address: str | None = None
    notification_id: int | None = None
    cop_id: int | None = None


def claim(s: Session, *, message_id: str, sender: str, subject: str, now: datetime) -> bool:
    """Insert the message's row unless it is there; True if this reader holds it (and must act on it)."""
    values = dict(message_id=message_id[:300], read_at=now, sender=sender[:320], subject=subject[:300],
                  outcome=QUARANTINED, kind="claimed", reason="being read")
    stmt: Any
    if s.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        stmt = postgresql.insert(InboundMail).values(**values).on_conflict_do_nothing(index_elements=["message_id"])
    else:
        from sqlalchemy.dialects import sqlite

        stmt = sqlite.insert(InboundMail).values(**values).on_conflict_do_nothing(index_elements=["message_id"])
    return s.execute(stmt.returning(InboundMail.id)).first() is not None


def settle(s: Session, message_id: str, outcome: Outcome) -> None:
    s.execute(update(InboundMail).where(InboundMail.message_id == message_id[:300]).values(
        outcome=outcome.outcome, kind=outcome.kind, reason=outcome.reason[:2000], address=outcome.address,
        notification_id=outcome.notification_id, cop_id=outcome.cop_id))


def earlier(s: Session, message_id: str, *, now: datetime) -> str | None:
    """The folder a message read by an earlier run went to, for it to be moved there again (a run that stopped
    before moving it, a copy put back). None when this run's other reader has just read it: that reader moves it
    (two IMAP sessions moving one message could both copy it)."""
    row = s.execute(select(InboundMail.outcome, InboundMail.read_at).where(
        InboundMail.message_id == message_id[:300])).first()
    return row.outcome if row is not None and row.read_at < now else None


def soft_bounces(s: Session, address: str) -> int:
    """How many times mail to `address` was delayed or refused for now (4.x.x): counted, not acted on."""
    return s.scalar(select(func.count()).select_from(InboundMail).where(
        InboundMail.address == address, InboundMail.kind == "soft_bounce")) or 0
