"""1,000 notifications through an SMTP server that refuses, stalls and breaks: each deliverable mail arrives
exactly once, each permanent failure is parked with the server's reply, nothing is lost."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.services.mail.delivery import deliver
from notifications.transports import SmtpTransport
from tests.integration.helpers import queue_messages
from tests.smtp_faults import FaultyServer

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
N = 1000


def test_a_thousand_messages_through_faults_lose_nothing_and_send_nothing_twice(db_url, capsys):
    queue_messages(db_url, [(f"fault/{i}", f"p{i}@x.org") for i in range(N)], now=NOW)
    server = FaultyServer()
    f = server.faults
    f.cut_every = 60  # batches are 100 per connection: every one is cut once
    f.perm_fail = {f"p{i}@x.org": f"550 5.1.1 <p{i}@x.org>: no such user" for i in range(0, N, 25)}  # 40
    f.temp_fail = {f"p{i}@x.org": 2 for i in range(7, N, 20)}  # 50 recipients answered 451 twice
    transport = SmtpTransport("127.0.0.1", server.port, timeout=10)
    now = NOW
    rounds = 0
    try:
        while rounds < 80:
            rounds += 1
            if rounds == 4:
                server.down()  # stays down for rounds 4-6: connections refused
            elif rounds == 7 or rounds == 1:
                server.up()
                f.greet_421 = 2 if rounds == 1 else 0
            deliver(UnitOfWork(db_url), transport, sender="copflow <cop@x.org>", now=now, batch_size=100)
            with UnitOfWork(db_url) as u:
                left = u.session.scalar(select(Notification.id).where(Notification.status.in_(["pending", "sending"])))
            if left is None and rounds > 7:
                break
            now += timedelta(minutes=10)
    finally:
        server.down()
    with UnitOfWork(db_url) as u:
        rows = list(u.session.scalars(select(Notification)))
    status = Counter(r.status for r in rows)
    parked = [r for r in rows if r.status == "parked"]
    deliverable = {r.idempotency_key for r in rows} - {r.idempotency_key for r in parked}
    assert status == {"sent": N - 40, "parked": 40}, status
    assert all(r.last_error.startswith("550 5.1.1") and r.recipient in r.last_error for r in parked)
    assert set(f.received) == deliverable and set(f.received.values()) == {1}
    assert f.events["421 on connect"] == 2 and f.events["cut mid-batch"] >= 3 and f.events["451"] == 100
    print(f"\nfault injection: {N} queued, {len(f.received)} received exactly once, {len(parked)} parked with the "
          f"server's 550, 0 lost, {rounds} delivery rounds; faults: {dict(f.events)}")


def test_a_connection_dropped_after_the_server_kept_a_message_repeats_that_message_once_with_its_message_id(db_url):
    """The one fault SMTP cannot tell from a loss: the server keeps the message, the connection drops before its
    250 arrives. copflow sends it again (never loses it); the copy carries the same Message-ID."""
    n = 400
    queue_messages(db_url, [(f"kept/{i}", f"p{i}@x.org") for i in range(n)], now=NOW)
    server = FaultyServer()
    server.up()
    f = server.faults
    f.cut_after_keep_every = 40  # batches are 100 per connection: at the 40th and 80th of each
    transport = SmtpTransport("127.0.0.1", server.port, timeout=10)
    now, rounds = NOW, 0
    try:
        while rounds < 40:
            rounds += 1
            deliver(UnitOfWork(db_url), transport, sender="copflow <cop@x.org>", now=now, batch_size=100)
            with UnitOfWork(db_url) as u:
                if u.session.scalar(select(Notification.id).where(Notification.status != "sent")) is None:
                    break
            now += timedelta(minutes=10)
    finally:
        server.down()
    cuts = f.events["cut after keeping"]
    repeated = {k: c for k, c in f.received.items() if c > 1}
    assert len(f.received) == n and cuts >= 8
    assert set(repeated.values()) == {2} and len(repeated) == cuts  # each cut repeats exactly its message, once
    assert all(len(f.message_ids[k]) == 1 for k in repeated)  # the copy has the original's Message-ID
    with UnitOfWork(db_url) as u:
        rows = list(u.session.scalars(select(Notification)))
    assert {r.status for r in rows} == {"sent"}
    assert all(r.message_id in f.message_ids[r.idempotency_key] for r in rows)
    print(f"\ndrop after keeping: {n} queued, {cuts} connections dropped after the server kept a message, "
          f"{len(repeated)} messages received twice (same Message-ID), {n - len(repeated)} once, 0 lost, "
          f"{rounds} rounds")
