"""The outbox rows a deliverer holds: claiming due rows under a token and a lease, renewing the lease, giving rows
back, retrying or parking one, and marking each as the server answers it.

Every change here is a compare-and-set on the claim's token, so a deliverer whose lease ran out (another took
the rows over) changes nothing. How a batch is sent, paced and reported is delivery.py's.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, and_, select, update

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from notifications.mime import Outgoing

# A claimed message whose deliverer died becomes pending again after this lease; a living deliverer renews
# its lease once half of it has gone.
LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Claim:
    token: str
    ids: list[int]
    until: datetime


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def claim(uow: UnitOfWork, *, now: datetime, limit: int, channel: str = "mail",
          only: Collection[int] | None = None) -> Claim:
    """Take up to `limit` due messages of one channel kind ("mail", or "chat": posts) for this deliverer, leased
    until `now` + LEASE under a new token; with `only`, among those rows alone (what one command queued).

    A concurrent deliverer gets other rows: on PostgreSQL rows another claim is taking are skipped
    (FOR UPDATE SKIP LOCKED); everywhere, the update is a compare-and-set, and a deliverer that lost every
    row it chose chooses again instead of stopping as if nothing were due.
    """
    token, until = uuid.uuid4().hex, now + LEASE
    due = and_(Notification.status.in_(["pending", "sending"]), Notification.next_attempt_at <= now,
               Notification.channel == channel)
    if only is not None:
        due = and_(due, Notification.id.in_(sorted(only)))
    with uow:
        s = uow.session
        while True:
            ids = list(s.scalars(select(Notification.id).where(due).order_by(Notification.id).limit(limit)
                                 .with_for_update(skip_locked=True)))
            if not ids:
                return Claim(token, [], until)
            got = s.scalars(update(Notification).where(Notification.id.in_(ids), due)
                            .values(status="sending", next_attempt_at=until, claim_token=token)
                            .returning(Notification.id)).all()
            if got:
                uow.commit()
                return Claim(token, sorted(got), until)


def outgoing(r: Notification) -> Outgoing:
    return Outgoing(r.idempotency_key, r.recipient, r.recipient_name, r.subject, r.body_text, r.body_html,
                    r.ics, r.ics_method, r.attachment_name, r.attachment, r.reply_to)


class Marks:
    """Marks each message of a batch as the server answers it, each in its own commit, through one DBAPI
    connection: marking is on the path of every message sent, and SQLAlchemy's execution machinery was a
    tenth of delivery's time (docs/benchmarks.md). The statement is fixed and parameterised, and changes a row
    only while this batch's claim still holds it."""

    _SQL = ("UPDATE notification SET status = {p}, attempts = attempts + 1, last_error = {p}, message_id = {p}, "
            "sent_at = {p}, claim_token = NULL WHERE id = {p} AND claim_token = {p}")

    # Before each send: the claim still this batch's and its lease not run out, and the message in flight leased
    # afresh for its send. A deliverer that stalled past its lease finds the row taken over and stops there.
    _CONFIRM = ("UPDATE notification SET next_attempt_at = {p} WHERE id = {p} AND claim_token = {p} "
                "AND status = 'sending' AND next_attempt_at > {p}")

    def __init__(self, engine: Engine, token: str) -> None:
        self.sqlite = engine.dialect.name == "sqlite"
        self.sql = self._SQL.format(p="?" if self.sqlite else "%s")
        self.confirm_sql = self._CONFIRM.format(p="?" if self.sqlite else "%s")
        self.token = token
        self.conn = engine.raw_connection()

    def _stamp(self, t: datetime) -> object:
        """As UTCDateTime stores it: naive UTC text on SQLite, an aware timestamp on PostgreSQL."""
        utc = t.astimezone(UTC)
        return utc.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else utc

    def confirm(self, nid: int, now: datetime) -> bool:
        """Immediately before sending `nid`: True if this batch's claim still holds it, lease unexpired (one
        conditional update, its own commit); the row's lease then runs from `now` for the send."""
        return self._execute(self.confirm_sql, (self._stamp(now + LEASE), nid, self.token, self._stamp(now)))

    def _execute(self, sql: str, params: tuple[object, ...]) -> bool:
        cur = self.conn.cursor()
        try:
            cur.execute(sql, params)
            held = cur.rowcount == 1
        finally:
            cur.close()
        self.conn.commit()
        return held

    def mark(self, nid: int, now: datetime, *, status: str, error: str | None = None,
             message_id: str | None = None) -> bool:
        """False if the claim was lost (another deliverer holds the row now)."""
        sent = self._stamp(now) if status == "sent" else None
        return self._execute(self.sql, (status, error, message_id, sent, nid, self.token))

    def close(self) -> None:
        self.conn.close()


def _held(ids: list[int], token: str) -> object:
    return and_(Notification.id.in_(ids), Notification.claim_token == token, Notification.status == "sending")


def retry(uow: UnitOfWork, token: str, nid: int, now: datetime, error: str, max_attempts: int,
          not_before: datetime | None = None) -> tuple[str, str]:
    """A temporary failure of one claimed message: due again after a backoff (and not before `not_before`, when
    the server said when), or parked after `max_attempts`. Returns ("retried", ""), ("parked", "recipient
    (subject): the reply"), or ("lost", "") when another deliverer holds the row now."""
    with uow:
        row = uow.session.get(Notification, nid)
        assert row is not None
        if row.claim_token != token or row.status != "sending":
            return "lost", ""
        row.attempts += 1
        row.last_error = error
        row.claim_token = None
        outcome = ("retried", "")
        if row.attempts >= max_attempts:
            row.status = "parked"
            row.last_error = f"gave up after {row.attempts} attempts: {error}"
            outcome = ("parked", f"{row.recipient} ({row.subject}): {row.last_error}")
        else:
            row.status = "pending"
            row.next_attempt_at = max(now + backoff(row.attempts), not_before or now)
        uow.commit()
    return outcome


def release(uow: UnitOfWork, token: str, ids: list[int], *, at: datetime, error: str | None = None) -> None:
    """Give claimed rows back untouched (no attempt counted), due again at `at`."""
    if not ids:
        return
    values: dict[str, object] = {"status": "pending", "next_attempt_at": at, "claim_token": None}
    if error is not None:
        values["last_error"] = error
    with uow:
        uow.session.execute(update(Notification).where(_held(ids, token)).values(**values))  # type: ignore[arg-type]
        uow.commit()


def renew(uow: UnitOfWork, token: str, ids: list[int], until: datetime) -> set[int]:
    """Extend this claim's lease on the rows it still holds; returns those rows."""
    with uow:
        kept = set(uow.session.scalars(update(Notification).where(_held(ids, token))  # type: ignore[arg-type]
                                       .values(next_attempt_at=until).returning(Notification.id)))
        uow.commit()
    return kept
