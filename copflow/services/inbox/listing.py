"""What the programme's mailbox brought back, as the OD manager looks at it (`copflow mail list`): each message read,
newest first, with its outcome (the folder it was moved to), what it was and why. The quarantined ones are the
messages nobody acted on: hostile or unreadable mail, a reply too large to read, a lessons report that could not
be read — each waits in the mailbox's `quarantined` folder for a person to look at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

from copflow.db.models import Cop, InboundMail
from copflow.db.uow import UnitOfWork
from copflow.services.errors import InvalidInput
from notifications.inbound import header_text

OUTCOMES = ("processed", "ignored", "quarantined")


@dataclass(frozen=True)
class InboundEntry:
    """One message read back (`read_at`: UTC, ISO 8601 to the second; `cop`: the CoP it concerned, if known)."""

    id: int
    read_at: str
    outcome: str
    kind: str
    sender: str
    subject: str
    reason: str
    cop: str | None


def _check(outcome: str | None) -> None:
    if outcome is not None and outcome not in OUTCOMES:
        raise InvalidInput("outcome", f"unknown outcome {outcome!r} (outcomes: {', '.join(OUTCOMES)})")


def list_inbound(uow: UnitOfWork, *, outcome: str | None = None, limit: int = 50) -> list[InboundEntry]:
    """Messages read back, newest first; `outcome` keeps one folder's."""
    _check(outcome)
    with uow:
        q = (select(InboundMail, Cop.slug).outerjoin(Cop, Cop.id == InboundMail.cop_id)
             .order_by(InboundMail.read_at.desc(), InboundMail.id.desc()).limit(limit))
        if outcome:
            q = q.where(InboundMail.outcome == outcome)
        # header_text: a row kept before the reader decoded its headers (it is a no-op on decoded text).
        return [InboundEntry(m.id, _utc(m.read_at), m.outcome, m.kind, header_text(m.sender),
                             header_text(m.subject), m.reason, slug) for m, slug in uow.session.execute(q)]


def count_inbound(uow: UnitOfWork, *, outcome: str | None = None) -> int:
    """How many messages `list_inbound` would show without its limit."""
    _check(outcome)
    with uow:
        q = select(func.count()).select_from(InboundMail)
        if outcome:
            q = q.where(InboundMail.outcome == outcome)
        return int(uow.session.scalar(q) or 0)


def _utc(at: datetime) -> str:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat(timespec="seconds")
