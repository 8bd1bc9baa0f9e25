"""kill -9 the delivery process at random points, ten times, then let it finish: nothing is lost, and a
message is repeated only if it was in flight when the process died (at most one per kill)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from tests.integration.helpers import queue_messages
from tests.smtp_server import free_port

EXE = str(Path(sys.executable).with_name("copflow"))
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
N, KILLS = 600, 10


class SlowCounting:
    """Accepts every message after a short pause, so a kill lands in the middle of a batch."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.accepted = 0  # read by the test's thread while the server's thread counts (no dict iteration)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.02)
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.received[str(msg["X-Copflow-Key"])] += 1
        self.accepted += 1
        return "250 OK"


def _wait_for_an_accept(handler: SlowCounting, proc: subprocess.Popen[bytes], *, since: int) -> None:
    deadline = time.monotonic() + 60
    while handler.accepted <= since:
        assert proc.poll() is None, f"the deliverer exited ({proc.returncode}) before sending anything"
        assert time.monotonic() < deadline, "the deliverer sent nothing within a minute"
        time.sleep(0.005)


@pytest.mark.slow
def test_kill_9_ten_times_loses_nothing(db_url, tmp_path, capsys):
    queue_messages(db_url, [(f"crash/{i}", f"p{i}@x.org") for i in range(N)], now=NOW)
    handler = SlowCounting()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPFLOW_")}
    env.update({"COPFLOW_DATABASE_URL": db_url, "COPFLOW_SMTP_HOST": "127.0.0.1",
                "COPFLOW_SMTP_PORT": str(controller.port), "COPFLOW_HOME": str(tmp_path)})
    rng = random.Random(20261123)
    kills = 0
    try:
        for k in range(KILLS):
            # Each run starts after the previous one's lease (10 minutes) has expired.
            run_env = {**env, "COPFLOW_NOW": (NOW + timedelta(minutes=11 * k)).isoformat()}
            proc = subprocess.Popen([EXE, "outbox", "deliver", "--batch-size", "40"], env=run_env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # Kill once delivery has begun (the server has accepted this run's first message), a random moment
            # into the batch: a guessed sleep raced a fast start-up, which finished before it was killed.
            _wait_for_an_accept(handler, proc, since=handler.accepted)
            time.sleep(rng.uniform(0.0, 0.4))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                kills += 1
            proc.wait(timeout=30)
        final = subprocess.run([EXE, "outbox", "deliver"], env={**env, "COPFLOW_NOW": (NOW + timedelta(hours=3)).isoformat()},
                               capture_output=True, text=True, timeout=300)
        assert final.returncode == 0, final.stderr
    finally:
        controller.stop()
    with UnitOfWork(db_url) as u:
        unsent = u.session.scalar(select(func.count()).select_from(Notification).where(Notification.status != "sent"))
    duplicates = sum(c - 1 for c in handler.received.values())
    assert unsent == 0
    assert set(handler.received) == {f"crash/{i}" for i in range(N)}  # nothing lost
    assert kills == KILLS  # every run was killed while it was delivering
    assert duplicates <= kills  # at most the message in flight, per kill
    print(f"\ncrash test: {kills} kill -9 during delivery, {N} messages, all received; "
          f"{duplicates} repeated (bound: {kills}, one in flight per kill)")
