"""Relays throttle: delivery paces itself to the per-minute and per-day limits, keeps the rest for the next run,
and takes a relay's "4.7.x" replies as "slow down", never as failed attempts. Time is an injected clock; the
SMTP peers are real aiosmtpd servers (the recording one, and the fault server answering 4.7.500)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.services.mail.delivery import DeliveryReport, deliver
from copflow.services.mail.pacing import Limits, outbox_backlog
from notifications.transports import SlowDown, SmtpTransport, TemporaryFailure, _classify
from tests.fake_clock import FakeClock
from tests.integration.helpers import queue_messages
from tests.smtp_faults import FaultyServer

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SENDER = "copflow <cop@x.org>"
EVERY = timedelta(minutes=5)  # the deliver-outbox deployment's interval
RUN_FOR = timedelta(minutes=4, seconds=30)  # and the flow's default run length


def runs(url: str, transport: SmtpTransport, limits: Limits, *, until_empty_by: timedelta) -> list[DeliveryReport]:
    """Delivery runs every five minutes (injected clock) until nothing is waiting."""
    clock, reports = FakeClock(NOW), []
    while clock.now() - NOW < until_empty_by:
        reports.append(deliver(UnitOfWork(url), transport, sender=SENDER, clock=clock, limits=limits,
                               run_for=RUN_FOR))
        if reports[-1].waiting == 0:
            break
        clock.set(NOW + EVERY * len(reports))
    return reports


def outbox(url: str) -> list[Notification]:
    with UnitOfWork(url) as u:
        return list(u.session.scalars(select(Notification).order_by(Notification.id)))


def test_thirty_a_minute_200_messages_take_about_seven_minutes_of_runs(db_url, smtp):
    queue_messages(db_url, [(f"pace/{i}", f"p{i}@x.org") for i in range(200)], now=NOW)
    reports = runs(db_url, SmtpTransport("127.0.0.1", smtp.port), Limits(per_minute=30),
                   until_empty_by=timedelta(hours=1))
    rows = outbox(db_url)
    assert {r.status for r in rows} == {"sent"} and {r.attempts for r in rows} == {1}
    assert sum(r.sent for r in reports) == 200 and not any(r.retried or r.parked or r.slow_downs for r in reports)
    sent = sorted(r.sent_at for r in rows if r.sent_at)
    took = sent[-1] - NOW
    assert timedelta(minutes=6, seconds=30) <= took <= timedelta(minutes=7, seconds=30), took
    assert max(sum(1 for t in sent if s <= t < s + timedelta(minutes=1)) for s in sent) <= 30  # never over
    # The first run left the rest pending and said when it would have gone.
    first = reports[0]
    assert (len(reports), first.sent, first.waiting) == (2, 135, 65)
    assert first.clears_at is not None
    assert abs(datetime.fromisoformat(first.clears_at) - sent[-1]) <= timedelta(minutes=1)
    assert Counter(str(m.message["X-Copflow-Key"]) for m in smtp.received).most_common(1)[0][1] == 1
    print(f"\n30/minute: 200 messages in {len(reports)} runs, last sent {took} after the first; first run's "
          f"estimate {first.clears_at}")


def test_busy_replies_slow_delivery_down_and_park_nothing(db_url):
    queue_messages(db_url, [(f"busy/{i}", f"p{i}@x.org") for i in range(120)], now=NOW)
    server = FaultyServer()
    server.up()
    server.faults.busy_every = 9  # every ninth recipient: "451 4.7.500 Server busy. Please try again later"
    try:
        reports = runs(db_url, SmtpTransport("127.0.0.1", server.port, timeout=10), Limits(),
                       until_empty_by=timedelta(hours=2))
    finally:
        server.down()
    rows = outbox(db_url)
    assert {r.status for r in rows} == {"sent"} and {r.attempts for r in rows} == {1}  # no attempt counted
    assert not any(r.parked or r.retried for r in reports)
    busy = server.faults.events["451 4.7.500 busy"]
    assert busy >= 13 and sum(r.slow_downs for r in reports) == busy
    assert set(server.faults.received.values()) == {1} and len(server.faults.received) == 120
    print(f"\n4.7.500 injected: {busy} busy replies, 120 sent once each in {len(reports)} runs, 0 parked")


def test_a_day_limit_keeps_the_rest_for_tomorrow(db_url, smtp):
    queue_messages(db_url, [(f"day/{i}", f"p{i}@x.org") for i in range(80)], now=NOW)
    limits = Limits(per_day=50)
    clock = FakeClock(NOW)
    transport = SmtpTransport("127.0.0.1", smtp.port)
    first = deliver(UnitOfWork(db_url), transport, sender=SENDER, clock=clock, limits=limits, run_for=RUN_FOR)
    assert (first.sent, first.waiting) == (50, 30) and clock.now() - NOW < timedelta(minutes=1)  # stopped at once
    assert first.clears_at is not None and datetime.fromisoformat(first.clears_at) >= NOW + timedelta(days=1)
    clock.set(NOW + timedelta(hours=12))
    assert deliver(UnitOfWork(db_url), transport, sender=SENDER, clock=clock, limits=limits).sent == 0
    clock.set(NOW + timedelta(days=1, minutes=5))
    later = deliver(UnitOfWork(db_url), transport, sender=SENDER, clock=clock, limits=limits)
    assert (later.sent, later.waiting) == (30, 0)
    assert {r.attempts for r in outbox(db_url)} == {1}


def test_the_backlog_figure_for_the_digest(db_url):
    queue_messages(db_url, [(f"b/{i}", f"p{i}@x.org") for i in range(91)], now=NOW)
    assert outbox_backlog(UnitOfWork(db_url), now=NOW, limits=Limits()).clears_at == NOW
    b = outbox_backlog(UnitOfWork(db_url), now=NOW, limits=Limits(per_minute=30))
    assert (b.waiting, b.clears_at) == (91, NOW + timedelta(minutes=3))
    assert b.describe() == "91 messages waiting; all sent by 2026-03-02 09:03 UTC"


def test_throttling_replies_are_told_apart():
    for code, text in ((421, "4.7.0 Try again later, closing connection"), (451, "4.7.500 Server busy"),
                       (452, "4.7.1 Too many messages")):
        assert isinstance(_classify(code, text), SlowDown), code
    for code, text in ((421, "4.3.2 Service not available"), (452, "4.2.2 Mailbox full"), (451, "4.3.0 later")):
        err = _classify(code, text)
        assert isinstance(err, TemporaryFailure) and not isinstance(err, SlowDown), (code, text)
