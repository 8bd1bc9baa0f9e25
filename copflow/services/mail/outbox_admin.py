"""What an OD manager does with the outbox: look at it, and send parked messages again once the cause is fixed
(a mail server that was down longer than the retries last, a mailbox that was full)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.services.errors import InvalidInput
from copflow.services.validation import is_id

STATUSES = ("pending", "sending", "sent", "parked", "withdrawn", "bounced")  # withdrawn: its recipient was erased;
# bounced: sent, then returned by a delivery status notification (copflow/services/inbox/bounces.py)


@dataclass(frozen=True)
class OutboxEntry:
    """One outbox message as `copflow outbox list` shows it (`to`: the recipient, `key`: its idempotency key)."""

    id: int
    status: str
    kind: str
    to: str
    subject: str
    attempts: int
    error: str | None
    key: str
    queued_at: str | None = None  # UTC, ISO 8601 to the second
    sent_at: str | None = None


def list_messages(uow: UnitOfWork, *, status: str | None = None, limit: int = 50) -> list[OutboxEntry]:
    """Outbox messages, newest first."""
    if status is not None and status not in STATUSES:
        raise InvalidInput("status", f"unknown status {status!r} (statuses: {', '.join(STATUSES)})")
    with uow:
        q = select(Notification).order_by(Notification.id.desc()).limit(limit)
        if status:
            q = q.where(Notification.status == status)
        return [OutboxEntry(n.id, n.status, n.kind, n.recipient, n.subject, n.attempts, n.last_error,
                            n.idempotency_key, _utc(n.created_at), _utc(n.sent_at)) for n in uow.session.scalars(q)]


def count_messages(uow: UnitOfWork, *, status: str | None = None) -> int:
    """How many messages `list_messages` would show without its limit."""
    with uow:
        q = select(func.count()).select_from(Notification)
        if status:
            q = q.where(Notification.status == status)
        return int(uow.session.scalar(q) or 0)


def _utc(at: datetime | None) -> str | None:
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat(timespec="seconds")


def requeue_parked(uow: UnitOfWork, *, now: datetime, ids: list[int] | None = None) -> list[int]:
    """Parked messages become pending again, with their attempts counted afresh; `ids=None` takes every parked
    message. A message that is not parked is refused (a sent one is never sent twice), and nothing changes.
    Each keeps its idempotency key and Message-ID, so a client that got it after all sees the same message."""
    with uow:
        s = uow.session
        if ids is None:
            chosen = list(s.scalars(select(Notification.id).where(Notification.status == "parked")
                                    .order_by(Notification.id)))
        else:
            found: dict[int, str] = {i: st for i, st in s.execute(
                select(Notification.id, Notification.status).where(Notification.id.in_([i for i in ids
                                                                                       if is_id(i)])))}
            missing = [i for i in ids if i not in found]
            if missing:
                raise InvalidInput("id", f"no message {', '.join(map(str, missing))} in the outbox")
            wrong = [f"{i} is {found[i]}" for i in ids if found[i] != "parked"]
            if wrong:
                raise InvalidInput("id", f"only parked messages are sent again: {'; '.join(wrong)}")
            chosen = sorted(set(ids))
        if chosen:
            # Guarded by status, so a message a deliverer changed meanwhile is left alone.
            s.execute(update(Notification).where(Notification.id.in_(chosen), Notification.status == "parked")
                      .values(status="pending", attempts=0, next_attempt_at=now))
        uow.commit()
        return chosen
