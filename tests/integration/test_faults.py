"""1,000 notifications through an SMTP server that refuses, stalls and breaks: each deliverable mail arrives
exactly once, each permanent failure is parked with the server's reply, nothing is lost."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.services.delivery import deliver
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
