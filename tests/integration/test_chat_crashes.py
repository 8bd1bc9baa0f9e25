"""kill -9 the deliverer (`copflow outbox deliver`, the deployment's call) while it posts to a chat channel, a few
times, then let it finish: every post arrives, and one is repeated only if it was in flight when the process died
(at most one per kill), as for mail."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from tests.chat_server import Answer, chat_server, teams_address
from tests.integration.helpers import at, to_active
from tests.integration.test_chat import _queue, channel, titles

EXE = str(Path(sys.executable).with_name("copflow"))
N, KILLS = 12, 3


def test_kill_9_while_posting_loses_nothing(db_url, tmp_path, monkeypatch):
    with chat_server(tmp_path) as chat:
        for k, v in chat.env().items():
            monkeypatch.setenv(k, v)
        to_active(db_url)
        channel(db_url, teams_address())
        _queue(db_url, N, at(100))
        chat.state.script += [Answer(200, hold=0.15) for _ in range(N * 3)]  # slow enough to be killed mid-post
        policy = tmp_path / "policy.toml"
        policy.write_text("channel_posts_per_minute = 600\n")  # no pacing wait between the posts
        env = {k: v for k, v in os.environ.items() if not k.startswith("COPFLOW_")}
        env.update({"COPFLOW_DATABASE_URL": db_url, "COPFLOW_HOME": os.environ["COPFLOW_HOME"],
                    "COPFLOW_POLICY": str(policy), **chat.env()})
        rng = random.Random(20261209)
        kills = 0
        for k in range(KILLS + 1):
            # Each run starts after the previous one's lease (10 minutes) has expired.
            run_env = {**env, "COPFLOW_NOW": (at(100) + timedelta(minutes=11 * k)).isoformat()}
            before = len(chat.state.received)
            proc = subprocess.Popen([EXE, "outbox", "deliver"], env=run_env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
            if k < KILLS:
                deadline = time.monotonic() + 60
                while len(chat.state.received) <= before:  # posting has begun: kill it a moment into the batch
                    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                    assert time.monotonic() < deadline, "the deliverer posted nothing within a minute"
                    time.sleep(0.005)
                time.sleep(rng.uniform(0.05, 0.3))
                if proc.poll() is None:
                    os.kill(proc.pid, signal.SIGKILL)
                    kills += 1
            assert proc.wait(timeout=120) in (0, -signal.SIGKILL)
        time.sleep(0.5)  # a post the last kill left in the server's hands is counted
    got = Counter(titles(chat, "teams")[1:])
    assert set(got) == {f"post {i}" for i in range(N)}  # nothing lost
    assert max(got.values()) <= 2 and sum(got.values()) - N <= kills  # only what was in flight, once per kill
    with UnitOfWork(db_url) as u:
        assert set(u.session.scalars(select(Notification.status).where(Notification.channel == "chat"))) == {"sent"}
    assert kills >= 1 and chat.state.bad == []
