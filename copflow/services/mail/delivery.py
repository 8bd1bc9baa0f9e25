"""Delivering the outbox: claim a batch, send over one connection at the relay's pace, mark each message as it
goes, and report what happened (the claims, leases and marks themselves are claims.py's).

Guarantees (see docs/reliability.md): a key is sent at most once by a re-run; a crash can repeat at most the
message in flight, because each message is marked sent in its own commit straight after the server accepts it.
A message's links are filled in here, from the link key (link_tokens.py): the outbox never holds a working one,
and a re-send carries the same tokens under the same Message-ID.
Each claim carries a token and a lease from the moment it is taken, renewed while a long batch goes on. Immediately
before each send the deliverer confirms it still holds that row (claims.py:Marks.confirm, one conditional update):
a run that stalled past its lease stops there, so at most the one message in flight when the lease ran out goes
twice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.services.links.tokens import fill, link_key
from copflow.services.mail.claims import LEASE, Claim, Marks, claim, outgoing, release, renew, retry
from copflow.services.mail.pacing import (
    SLOW_DOWN,
    Clock,
    Limits,
    RunningClock,
    outbox_backlog,
    pause,
    paused_until,
    reserve,
)
from copflow.services.mail.post_delivery import PostReport, deliver_posts_with_settings
from copflow.settings import Settings
from notifications.mime import build
from notifications.transports import (
    ConnectionLost,
    LoginRefused,
    PermanentFailure,
    SlowDown,
    TemporaryFailure,
    Transport,
)

MAX_ATTEMPTS = 8
# A run waits out at most this many "slow down" pauses, then leaves the rest to the next run.
MAX_PAUSES = 10


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    parked: int = 0
    claimed: int = 0
    errors: list[str] = field(default_factory=list)
    # What was parked in this run, as "recipient (subject): the server's reply", for the sweep's summary.
    parked_messages: list[str] = field(default_factory=list)
    slow_downs: int = 0  # the relay said "slow down" (4.7.x): the batch waited, no attempt was counted
    lost_claims: int = 0  # rows another deliverer took over after this one's lease ran out: not sent by this one
    login_refused: bool = False
    waiting: int = 0  # still to go when the run ended (throttled, retrying, or claimed by another deliverer)
    clears_at: str | None = None  # when, at the relay's pace, the waiting mail will have gone (ISO 8601, UTC)
    posts: PostReport = field(default_factory=PostReport)  # the outbox's posts to chat channels (post_delivery.py)


def deliver(uow: UnitOfWork, transport: Transport, *, sender: str, now: datetime | None = None,
            clock: Clock | None = None, batch_size: int = 200, max_batches: int | None = None,
            max_attempts: int = MAX_ATTEMPTS, limits: Limits | None = None,
            run_for: timedelta | None = None, reply_to: str | None = None,
            settings: Settings | None = None, only: Collection[int] | None = None) -> DeliveryReport:
    """Send every due message, `batch_size` per connection, at the relay's pace, until none is left, or
    `max_batches`, or the run has gone on for `run_for` (the rest stays pending for the next run). With `only`,
    just those rows (the ones a command queued), never the rest of the outbox.

    Time comes from `clock` (tests inject one); by default a clock that starts at `now` and runs on. The links'
    key comes from `settings` (by default the environment's), read only if a message carries a link.
    """
    clock = clock or RunningClock(now)
    limits = limits or Limits()
    deadline = clock.now() + run_for if run_for is not None else None
    report = DeliveryReport()
    batches = 0
    while max_batches is None or batches < max_batches:
        if deadline is not None and clock.now() >= deadline:
            break
        c = claim(uow, now=clock.now(), limit=batch_size, only=only)
        if not c.ids:
            if 0 < report.slow_downs <= MAX_PAUSES and _wait_out_pause(uow, clock, deadline):
                continue
            break
        batches += 1
        report.claimed += len(c.ids)
        if not _send_batch(uow, transport, c, sender=sender, reply_to=reply_to, clock=clock, limits=limits,
                           deadline=deadline, max_attempts=max_attempts, report=report,
                           key=lambda: link_key(settings)):
            break  # the server is unreachable, refused the login, or the run's time is up: the next run goes on
    backlog = outbox_backlog(uow, now=clock.now(), limits=limits)
    report.waiting, report.clears_at = backlog.waiting, backlog.clears_at.isoformat() if backlog.clears_at else None
    return report


def _wait_out_pause(uow: UnitOfWork, clock: Clock, deadline: datetime | None) -> bool:
    """After a relay's "slow down": wait for the pause to end if the run lasts that long."""
    until = paused_until(uow)
    if until is None or until <= clock.now() or (deadline is not None and until >= deadline):
        return False
    clock.sleep((until - clock.now()).total_seconds())
    return True


def _send_batch(uow: UnitOfWork, transport: Transport, c: Claim, *, sender: str, reply_to: str | None,
                clock: Clock, limits: Limits, deadline: datetime | None, max_attempts: int,
                report: DeliveryReport, key: Callable[[], bytes]) -> bool:
    """Send one claimed batch over one connection; False if the run should stop."""
    with uow:
        rows = {r.id: outgoing(r) for r in uow.session.scalars(select(Notification)
                                                                   .where(Notification.id.in_(c.ids)))}
        # The links' tokens, made again from the key (never stored); a link re-keyed here is committed first.
        rows = fill(uow.session, rows, key)
        uow.commit()
    remaining, until = list(c.ids), c.until
    slots: list[datetime] = []
    try:
        # One database connection for the batch's marks; each mark is still its own commit, made right after
        # the server accepts the message, so a crash can repeat only the message in flight.
        with transport.connect() as conn, closing(Marks(uow.engine, c.token)) as marks:
            while remaining:
                slots = slots or reserve(uow, limits, now=clock.now(), want=len(remaining))
                slot = slots.pop(0)
                if slot > clock.now() + LEASE / 2 or (deadline is not None and slot >= deadline):
                    # A day's limit reached, or the run's time is up: the rest waits for the next run.
                    release(uow, c.token, remaining, at=clock.now())
                    return False
                clock.sleep((slot - clock.now()).total_seconds())
                if clock.now() >= until - LEASE / 2:
                    until = clock.now() + LEASE
                    kept = renew(uow, c.token, remaining, until)
                    report.lost_claims += len(remaining) - len(kept)
                    remaining = [i for i in remaining if i in kept]
                    if not remaining:
                        break
                nid = remaining[0]
                if not marks.confirm(nid, clock.now()):
                    # This run outlived its lease and another deliverer holds the rest now: stop, send none of it.
                    report.lost_claims += len(remaining)
                    report.errors.append(f"stopped: the lease ran out and {len(remaining)} message(s) were left "
                                         "to the deliverer that took them over")
                    return False
                out = rows[nid]
                now = clock.now()
                msg = build(out, sender, now, reply_to)
                try:
                    conn.send(msg, out.recipient)
                except PermanentFailure as exc:
                    marks.mark(nid, now, status="parked", error=str(exc))
                    report.parked += 1
                    report.parked_messages.append(f"{out.recipient} ({out.subject}): {exc}")
                except ConnectionLost:
                    raise
                except SlowDown as exc:
                    _slow_down(uow, c.token, remaining, clock.now(), str(exc), report)
                    return True  # the run waits out the pause (if it lasts that long) and claims again
                except TemporaryFailure as exc:
                    _retry(uow, c.token, nid, clock.now(), str(exc), max_attempts, report)
                else:
                    if not marks.mark(nid, clock.now(), status="sent", message_id=msg["Message-ID"]):
                        report.lost_claims += 1
                        report.errors.append(f"message {nid} was sent after another deliverer had taken it over")
                    else:
                        report.sent += 1
                remaining.pop(0)
        return True
    except LoginRefused as exc:
        # Nothing is wrong with any message: every one stays as it was, for the run after the settings are fixed.
        report.errors.append(str(exc))
        report.login_refused = True
        release(uow, c.token, remaining, at=clock.now())
        return False
    except SlowDown as exc:  # e.g. "421 4.7.0 try again later" on connecting
        _slow_down(uow, c.token, remaining, clock.now(), str(exc), report)
        return True
    except (TemporaryFailure, PermanentFailure) as exc:
        # The connection failed: the message in hand is retried, the rest go back to pending untouched.
        report.errors.append(str(exc))
        if remaining:
            _retry(uow, c.token, remaining[0], clock.now(), str(exc), max_attempts, report)
            release(uow, c.token, remaining[1:], at=clock.now())
        return False


def _slow_down(uow: UnitOfWork, token: str, ids: list[int], now: datetime, error: str,
               report: DeliveryReport) -> None:
    """The relay is throttling: every deliverer pauses, and the batch's rows wait without an attempt."""
    report.slow_downs += 1
    pause(uow, until=now + SLOW_DOWN)
    release(uow, token, ids, at=now + SLOW_DOWN, error=f"relay asked to slow down: {error}")


def _retry(uow: UnitOfWork, token: str, nid: int, now: datetime, error: str, max_attempts: int,
           report: DeliveryReport) -> None:
    outcome, parked = retry(uow, token, nid, now, error, max_attempts)
    if outcome == "lost":
        report.lost_claims += 1
    elif outcome == "parked":
        report.parked += 1
        report.parked_messages.append(parked)
    else:
        report.retried += 1


def limits_of(settings: Settings) -> Limits:
    smtp = settings.smtp
    return Limits(smtp.max_per_minute, smtp.max_per_day) if smtp is not None else Limits()


def transport_for(settings: Settings) -> Transport:
    """SMTP when COPFLOW_SMTP_HOST is set, else the Maildir folder (the embedded default)."""
    from notifications.transports import MaildirTransport, SmtpTransport

    smtp = settings.smtp
    if smtp is None:
        return MaildirTransport(settings.maildir)
    return SmtpTransport(smtp.host, smtp.port, username=smtp.username, password=smtp.password,
                         starttls=smtp.starttls, use_ssl=smtp.ssl, timeout=smtp.timeout, oauth=smtp.token_source(),
                         allow_plaintext_auth=smtp.allow_plaintext_auth)


def deliver_with_settings(settings: Settings, *, now: datetime, batch_size: int = 200,
                          run_for: timedelta | None = None, only: Collection[int] | None = None) -> DeliveryReport:
    """The outbox's due rows (with `only`, among those ids alone), by channel kind: mail through the transport,
    then posts to chat channels."""
    clock = RunningClock(now)
    report = deliver(UnitOfWork(settings.database_url), transport_for(settings), sender=settings.sender,
                     clock=clock, batch_size=batch_size, limits=limits_of(settings), run_for=run_for,
                     reply_to=settings.reply_to, settings=settings, only=only)
    left = run_for - (clock.now() - now) if run_for is not None else None
    report.posts = deliver_posts_with_settings(settings, clock=clock, run_for=left, only=only)
    return report
