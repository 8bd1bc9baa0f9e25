"""Two deliverers at once (the every-5-minutes deployment overlapping a long run, or someone starting two): leases
run from when each batch is claimed and are renewed as it goes on, rows carry the claim's token, marks need it.
Time is an injected clock; the SMTP peer is a real aiosmtpd server."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.services.mail.claims import LEASE
from copflow.services.mail.delivery import DeliveryReport, deliver
from notifications.mime import Built
from notifications.transports import Connection, SmtpTransport
from tests.fake_clock import FakeClock
from tests.integration.helpers import queue_messages

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SENDER = "copflow <cop@x.org>"


class SlowRelay:
    """A real SMTP transport whose every message takes `per_message` of the injected clock, with a hook called
    before each send (to start the other deliverer at a chosen moment)."""

    def __init__(self, port: int, clock: FakeClock, per_message: timedelta,
                 before_send: Callable[[int], None] | None = None) -> None:
        self.inner = SmtpTransport("127.0.0.1", port, timeout=10)
        self.clock, self.per_message, self.before_send = clock, per_message, before_send
        self.sends = 0

    def describe(self) -> str:
        return "slow relay"

    def connect(self) -> AbstractContextManager[Connection]:
        return self._connect()

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        with self.inner.connect() as conn:
            outer = self

            class Slow:
                def send(self, msg: Built, recipient: str) -> None:
                    outer.sends += 1
                    if outer.before_send:
                        outer.before_send(outer.sends)
                    conn.send(msg, recipient)
                    outer.clock.advance(outer.per_message)

            yield Slow()


def received_keys(smtp) -> Counter[str]:  # type: ignore[no-untyped-def]
    return Counter(str(m.message["X-Copflow-Key"]) for m in smtp.received)


def statuses(url: str) -> Counter[str]:
    with UnitOfWork(url) as u:
        return Counter(u.session.scalars(select(Notification.status)))


def test_a_run_longer_than_the_lease_and_a_second_deliverer_send_nothing_twice(db_url, smtp):
    """The issue's case: a run of 30 minutes (a slow relay), a second deliverer every 5 minutes from minute 11."""
    n = 100
    queue_messages(db_url, [(f"lease/{i}", f"p{i}@x.org") for i in range(n)], now=NOW)
    a_clock = FakeClock(NOW)
    b_reports: list[DeliveryReport] = []

    def second_deliverer(k: int) -> None:
        elapsed = a_clock.now() - NOW
        if elapsed >= timedelta(minutes=11) and elapsed.total_seconds() % 300 == 60:  # minutes 11, 16, 21, 26
            b_reports.append(deliver(UnitOfWork(db_url), SmtpTransport("127.0.0.1", smtp.port),
                                     sender=SENDER, clock=FakeClock(a_clock.now()), batch_size=20))

    relay = SlowRelay(smtp.port, a_clock, timedelta(seconds=30), second_deliverer)
    a = deliver(UnitOfWork(db_url), relay, sender=SENDER, clock=a_clock, batch_size=60)
    assert a_clock.now() - NOW >= 3 * LEASE  # A's run outlasted its lease three times over
    got = received_keys(smtp)
    assert len(got) == n and set(got.values()) == {1}, [k for k, c in got.items() if c > 1]
    assert statuses(db_url) == {"sent": n}
    assert a.sent + sum(r.sent for r in b_reports) == n
    assert b_reports[0].sent == n - 60  # B took what A had not claimed, and none of A's renewed rows
    assert a.lost_claims == 0 and a.sent == 60


def test_a_deliverer_that_stalls_past_its_lease_marks_and_sends_nothing_it_lost(db_url, smtp):
    """A deliverer frozen mid-send for longer than the lease (a paused VM): another takes its rows over. Only the
    message in flight when it froze can go twice; the frozen one sends none of the others."""
    queue_messages(db_url, [(f"stall/{i}", f"p{i}@x.org") for i in range(10)], now=NOW)
    a_clock = FakeClock(NOW)
    b: list[DeliveryReport] = []

    def freeze_then_b_runs(k: int) -> None:
        if k == 3:
            a_clock.advance(LEASE + timedelta(minutes=1))
            b.append(deliver(UnitOfWork(db_url), SmtpTransport("127.0.0.1", smtp.port), sender=SENDER,
                             clock=FakeClock(a_clock.now())))

    a = deliver(UnitOfWork(db_url), SlowRelay(smtp.port, a_clock, timedelta(0), freeze_then_b_runs),
                sender=SENDER, clock=a_clock)
    got = received_keys(smtp)
    assert set(got) == {f"stall/{i}" for i in range(10)}
    assert [k for k, c in got.items() if c > 1] == ["stall/2"]  # the one in flight when A froze
    assert b[0].sent == 8 and a.sent == 2 and a.lost_claims == 8  # A's mark of stall/2 refused, 7 never sent
    assert "sent after another deliverer had taken it over" in a.errors[0]
    assert statuses(db_url) == {"sent": 10}


def test_deliverers_stalled_past_their_lease_with_clocks_unaware_send_at_most_their_one_message_in_flight_again(
        db_url, smtp):
    """The issue's trial: a deliverer's process stalls mid-batch past its 10-minute lease, but its own clock does not
    show it (pinned); a second starts 11 minutes later by its clock and takes the rows over, and stalls in turn while
    a third starts 11 minutes after it. Each stalled one, resuming, finishes the send it was in (the one message in
    flight), then confirms its claim before the next send, finds the row taken over, and stops: at most one message
    per deliverer goes twice, counted at the server."""
    n = 30
    queue_messages(db_url, [(f"pinned/{i}", f"p{i}@x.org") for i in range(n)], now=NOW)
    reports: dict[str, DeliveryReport] = {}

    def run(name: str, clock: FakeClock, then: Callable[[], None] | None) -> None:
        def stall(k: int) -> None:
            if k == 3 and then is not None:
                then()  # this deliverer is frozen in its third send while the next one runs
        reports[name] = deliver(UnitOfWork(db_url), SlowRelay(smtp.port, clock, timedelta(0), stall), sender=SENDER,
                                clock=clock, batch_size=20)

    eleven = timedelta(minutes=11)
    run("a", FakeClock(NOW), lambda: run("b", FakeClock(NOW + eleven),
                                         lambda: run("c", FakeClock(NOW + 2 * eleven), None)))
    got = received_keys(smtp)
    assert set(got) == {f"pinned/{i}" for i in range(n)}  # every message went
    twice = sorted(k for k, c in got.items() if c > 1)
    # A's third send (pinned/2) and B's third (B took pinned/2..21 over: pinned/4); nothing else.
    assert twice == ["pinned/2", "pinned/4"] and max(got.values()) == 2
    assert sum(got.values()) == n + 2
    a, b, c = reports["a"], reports["b"], reports["c"]
    assert (a.sent, b.sent) == (2, 2)  # each stopped after the message in flight, its mark refused
    assert a.lost_claims == b.lost_claims == 18  # its batch of 20 but the 2 sent, none of it sent by the stalled one
    assert c.sent == n - 4 and c.lost_claims == 0
    assert any("lease ran out" in e for e in a.errors) and any("lease ran out" in e for e in b.errors)
    assert statuses(db_url) == {"sent": n}


@pytest.mark.parametrize("batch_size", [25])
def test_two_deliverers_racing_for_the_same_rows_both_keep_working(db_url, smtp, batch_size):
    """Started at the same instant, claiming the same first rows: the loser claims again instead of stopping."""
    n = 600
    queue_messages(db_url, [(f"race/{i}", f"p{i}@x.org") for i in range(n)], now=NOW)
    barrier = threading.Barrier(2, timeout=30)
    reports: list[DeliveryReport] = []

    def worker() -> None:
        barrier.wait()
        reports.append(deliver(UnitOfWork(db_url), SmtpTransport("127.0.0.1", smtp.port), sender=SENDER,
                               now=NOW, batch_size=batch_size))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert len(reports) == 2
    got = received_keys(smtp)
    assert len(got) == n and set(got.values()) == {1}
    assert sum(r.sent for r in reports) == n
    assert all(r.sent >= n // 10 for r in reports), [r.sent for r in reports]  # neither stopped early
    print(f"\nracing deliverers ({db_url.split(':')[0]}): sent {[r.sent for r in reports]} of {n}, no repeats")


def test_the_deliver_outbox_deployment_runs_one_at_a_time():
    from pathlib import Path

    import yaml
    from prefect.cli.deploy._models import ConcurrencyLimitSpec

    spec = yaml.safe_load((Path(__file__).parents[2] / "prefect.yaml").read_text(encoding="utf-8"))
    [d] = [d for d in spec["deployments"] if d["entrypoint"] == "flows/outbox_delivery.py:outbox_delivery"]
    limit = ConcurrencyLimitSpec.model_validate(d["concurrency_limit"])  # Prefect's own schema
    assert (limit.limit, limit.collision_strategy) == (1, "ENQUEUE")
