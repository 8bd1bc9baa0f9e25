"""Delivering the outbox: claim a batch, send over one connection, mark each message as it goes.

Guarantees (see docs/reliability.md): a key is sent at most once by a re-run; a crash can repeat at most the
message in flight, because each message is marked sent in its own commit straight after the server accepts it.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, or_, select, update

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.settings import Settings
from notifications.mime import Outgoing, build
from notifications.transports import ConnectionLost, PermanentFailure, TemporaryFailure, Transport

# A claimed message whose deliverer died becomes pending again after this lease.
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    parked: int = 0
    claimed: int = 0
    errors: list[str] = field(default_factory=list)
    # What was parked in this run, as "recipient (subject): the server's reply", for the sweep's summary.
    parked_messages: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def claim(uow: UnitOfWork, *, now: datetime, limit: int) -> list[int]:
    """Take up to `limit` due messages for this deliverer; a concurrent deliverer gets other rows."""
    with uow:
        s = uow.session
        due = or_(Notification.status == "pending", Notification.status == "sending")
        ids = list(s.scalars(select(Notification.id).where(due, Notification.next_attempt_at <= now)
                             .order_by(Notification.id).limit(limit)))
        if not ids:
            return []
        # Compare-and-set: only rows still due are taken, so two deliverers never claim the same row.
        got = s.scalars(update(Notification)
                        .where(Notification.id.in_(ids), due, Notification.next_attempt_at <= now)
                        .values(status="sending", next_attempt_at=now + LEASE)
                        .returning(Notification.id)).all()
        uow.commit()
        return sorted(got)


def deliver(uow: UnitOfWork, transport: Transport, *, sender: str, now: datetime, batch_size: int = 200,
            max_batches: int | None = None, max_attempts: int = MAX_ATTEMPTS) -> DeliveryReport:
    """Send every due message, `batch_size` per connection, until none is left (or max_batches)."""
    report = DeliveryReport()
    batches = 0
    while max_batches is None or batches < max_batches:
        ids = claim(uow, now=now, limit=batch_size)
        if not ids:
            break
        batches += 1
        report.claimed += len(ids)
        if not _send_batch(uow, transport, ids, sender=sender, now=now, max_attempts=max_attempts,
                           report=report):
            break  # the server is unreachable: stop here, the next run tries again
    return report


def _send_batch(uow: UnitOfWork, transport: Transport, ids: list[int], *, sender: str, now: datetime,
                max_attempts: int, report: DeliveryReport) -> bool:
    """Send one claimed batch over one connection; False if the connection failed."""
    with uow:
        rows = {r.id: _outgoing(r) for r in uow.session.scalars(select(Notification)
                                                                   .where(Notification.id.in_(ids)))}
    remaining = list(ids)
    try:
        # One database connection for the batch's marks; each mark is still its own commit, made right after
        # the server accepts the message, so a crash can repeat only the message in flight.
        with transport.connect() as conn, closing(_Marks(uow.engine)) as marks:
            while remaining:
                nid = remaining[0]
                out = rows[nid]
                msg = build(out, sender, now)
                try:
                    conn.send(msg, out.recipient)
                except PermanentFailure as exc:
                    marks.mark(nid, now, status="parked", error=str(exc))
                    report.parked += 1
                    report.parked_messages.append(f"{out.recipient} ({out.subject}): {exc}")
                except ConnectionLost:
                    raise
                except TemporaryFailure as exc:
                    _retry(uow, nid, now, str(exc), max_attempts, report)
                else:
                    marks.mark(nid, now, status="sent", message_id=msg["Message-ID"])
                    report.sent += 1
                remaining.pop(0)
        return True
    except (TemporaryFailure, PermanentFailure) as exc:
        # The connection failed: the message in hand is retried, the rest go back to pending untouched.
        report.errors.append(str(exc))
        if remaining:
            _retry(uow, remaining[0], now, str(exc), max_attempts, report)
            _release(uow, remaining[1:], now)
        return False


def _outgoing(r: Notification) -> Outgoing:
    return Outgoing(r.idempotency_key, r.recipient, r.recipient_name, r.subject, r.body_text, r.body_html,
                    r.ics, r.ics_method, r.attachment_name, r.attachment)


class _Marks:
    """Marks each message of a batch as the server answers it, each in its own commit, through one DBAPI
    connection: marking is on the path of every message sent, and SQLAlchemy's execution machinery was a
    tenth of delivery's time (docs/benchmarks.md). The statement is fixed and parameterised."""

    _SQL = ("UPDATE notification SET status = {p}, attempts = attempts + 1, last_error = {p}, message_id = {p}, "
            "sent_at = {p} WHERE id = {p}")

    def __init__(self, engine: Engine) -> None:
        self.sqlite = engine.dialect.name == "sqlite"
        self.sql = self._SQL.format(p="?" if self.sqlite else "%s")
        self.conn = engine.raw_connection()

    def mark(self, nid: int, now: datetime, *, status: str, error: str | None = None,
             message_id: str | None = None) -> None:
        sent: object = None
        if status == "sent":
            # As UTCDateTime stores it: naive UTC text on SQLite, an aware timestamp on PostgreSQL.
            utc = now.astimezone(UTC)
            sent = utc.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else utc
        cur = self.conn.cursor()
        try:
            cur.execute(self.sql, (status, error, message_id, sent, nid))
        finally:
            cur.close()
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


def _retry(uow: UnitOfWork, nid: int, now: datetime, error: str, max_attempts: int,
           report: DeliveryReport) -> None:
    with uow:
        row = uow.session.get(Notification, nid)
        assert row is not None
        row.attempts += 1
        row.last_error = error
        if row.attempts >= max_attempts:
            row.status = "parked"
            row.last_error = f"gave up after {row.attempts} attempts: {error}"
            report.parked += 1
            report.parked_messages.append(f"{row.recipient} ({row.subject}): {row.last_error}")
        else:
            row.status = "pending"
            row.next_attempt_at = now + backoff(row.attempts)
            report.retried += 1
        uow.commit()


def _release(uow: UnitOfWork, ids: list[int], now: datetime) -> None:
    if not ids:
        return
    with uow:
        uow.session.execute(update(Notification).where(Notification.id.in_(ids), Notification.status == "sending")
                            .values(status="pending", next_attempt_at=now))
        uow.commit()


def transport_for(settings: Settings) -> Transport:
    """SMTP when COPFLOW_SMTP_HOST is set, else the Maildir folder (the embedded default)."""
    from notifications.transports import MaildirTransport, SmtpTransport

    smtp = settings.smtp
    if smtp is None:
        return MaildirTransport(settings.maildir)
    return SmtpTransport(smtp.host, smtp.port, username=smtp.username, password=smtp.password,
                         starttls=smtp.starttls, use_ssl=smtp.ssl, timeout=smtp.timeout)


def deliver_with_settings(settings: Settings, *, now: datetime, batch_size: int = 200) -> DeliveryReport:
    return deliver(UnitOfWork(settings.database_url), transport_for(settings), sender=settings.sender, now=now,
                   batch_size=batch_size)
