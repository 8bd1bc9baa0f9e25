"""The evidence POST with 1,000 other mails pending against the same POST with none (issue 22: delivery off the
request): `uv run python -m bench --only web-post`.

Two `copflow web` servers, each over its own database of CoPs in stage launching, one with 1,000 other mails due
in its outbox; both send through the same real SMTP server (aiosmtpd, in this process) at a relay's limit of 60 a
minute, so the backlog stays due for the whole run, as it does behind a throttled relay. Each POST records a CoP's
launch and moves it on (its own notices queued); the POSTs go one at a time, alternating between the two servers,
so both see the same load on this machine. The row is the ratio of the two p99s (target ≤ 1.5): a POST answers as
soon as its transaction commits, and the web app's deliverer sends what it queued outside the request.
"""

from __future__ import annotations

import http.client
import os
import re
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.web import _free_port, _server

ROOT = Path(__file__).resolve().parent.parent
BACKLOG = 1000
NOW = "2025-04-06T09:00:00+00:00"  # tests.integration.helpers.at(90): the day a launch is recorded there
LAUNCH = {"held_on": "2025-04-04", "attendance": "42", "feedback": "keen on dashboards"}


def _portfolio(url: str, cops: int, backlog: int) -> list[str]:
    """`cops` CoPs in stage launching and `backlog` other mails due; returns each CoP's launch-form path."""
    from datetime import timedelta

    from copflow.db.migrate import upgrade
    from copflow.db.uow import UnitOfWork
    from copflow.services.links.signed import issue, token_of
    from tests.integration.helpers import D, P, at, queue_messages, to_launching

    upgrade(url)
    paths = []
    for i in range(cops):
        to_launching(url, f"cop-{i:03d}", with_staff=i == 0)
        link = issue(UnitOfWork(url), slug=f"cop-{i:03d}", email=f"ann@{D}", purpose="evidence", gate="launch_held",
                     now=at(89), policy=P, web_url="http://bench")
        paths.append(f"/e/{token_of(link)}")
    if backlog:
        queue_messages(url, [(f"backlog/{i}", f"member{i}@{D}") for i in range(backlog)],
                       now=at(90) - timedelta(hours=1))
    return paths


class Client:
    """One keep-alive connection that keeps the CSRF session cookie, as a browser does."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = ""

    def fresh_get(self, path: str) -> tuple[int, str]:
        """GET on the kept connection, or on a new one if the server closed it (uvicorn's keep-alive lasts 5 s)."""
        try:
            return self.request("GET", path)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            return self.request("GET", path)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Accept": "text/html", **({"Cookie": self.cookie} if self.cookie else {})}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        r = self.conn.getresponse()
        text = r.read().decode("utf-8")
        if r.headers.get("Set-Cookie"):
            self.cookie = r.headers["Set-Cookie"].split(";", 1)[0]
        return r.status, text

    def post_launch(self, path: str) -> float:
        """GET the form (not timed), then POST it: the POST's seconds."""
        from urllib.parse import urlencode

        status, html = self.fresh_get(path)
        [token] = set(re.findall(r'name="csrf" value="([^"]+)"', html))
        t0 = time.perf_counter()
        status, html = self.request("POST", path, urlencode({"csrf": token, **LAUNCH}))
        took = time.perf_counter() - t0
        if status != 200 or "has moved on" not in html:
            raise RuntimeError(f"the launch was not recorded ({status}) at {path}")
        return took


def bench_evidence_post(backends: dict[str, tuple[str, str]], *, quick: bool) -> list[dict[str, Any]]:
    """One row per database: p99 of the evidence POST with BACKLOG other mails pending over p99 with none."""
    from tests.smtp_server import smtp_server

    posts, warm = (10, 2) if quick else (150, 5)
    backlog = 50 if quick else BACKLOG
    rows: list[dict[str, Any]] = []
    exe = str(Path(sys.executable).with_name("copflow"))
    for backend, (none_url, pending_url) in backends.items():
        forms = {"none": _portfolio(none_url, posts + warm, 0),
                 "pending": _portfolio(pending_url, posts + warm, backlog)}
        with smtp_server() as (controller, _received), ExitStack() as servers:
            clients: dict[str, Client] = {}
            for case, url in (("none", none_url), ("pending", pending_url)):
                port = _free_port()
                env = {k: v for k, v in os.environ.items() if not k.startswith(("COPFLOW_", "PREFECT_API"))}
                env.update({"COPFLOW_DATABASE_URL": url, "COPFLOW_NOW": NOW,
                            "COPFLOW_HOME": os.environ.get("COPFLOW_HOME", str(ROOT)),
                            "COPFLOW_SMTP_HOST": "127.0.0.1", "COPFLOW_SMTP_PORT": str(controller.port),
                            "COPFLOW_SMTP_MAX_PER_MINUTE": "60", "COPFLOW_SENDER": "CoP programme <cop@bench>"})
                servers.enter_context(_server([exe, "web", "--port", str(port), "--rate-limit", "1000000000"], env,
                                              f"http://127.0.0.1:{port}/static/copflow.css"))
                clients[case] = Client(port)
            took: dict[str, list[float]] = {"none": [], "pending": []}
            for i in range(posts + warm):
                order = ("none", "pending") if i % 2 == 0 else ("pending", "none")
                for case in order:
                    seconds = clients[case].post_launch(forms[case][i])
                    if i >= warm:
                        took[case].append(seconds)
                print(f"  {backend} POST {i + 1}/{posts + warm}: " + ", ".join(
                    f"{c} {t[-1] * 1000:.0f} ms" for c, t in took.items() if t), flush=True)
            left = {"none": _due(none_url), "pending": _due(pending_url)}
        p99 = {case: _p99(t) * 1000 for case, t in took.items()}
        ratio = p99["pending"] / p99["none"]
        rows.append({"benchmark": f"web: evidence POST, {backlog} mails pending vs none ({backend})",
                     "ratio": round(ratio, 3), "target": "p99 ratio <= 1.5", "ok": ratio <= 1.5,
                     "figure": f"p99 {p99['pending']:.1f} vs {p99['none']:.1f} ms; p50 "
                               f"{statistics.median(took['pending']) * 1000:.1f} vs "
                               f"{statistics.median(took['none']) * 1000:.1f} ms; due at the end {left['pending']} vs "
                               f"{left['none']} (each POST's own notices wait behind the relay's limit too)",
                     "detail": {"posts": posts, "p99_ms": p99, "due_at_end": left, "relay_per_minute": 60,
                                "ms": {c: _spread(t) for c, t in took.items()}}})
    return rows


def _spread(xs: list[float]) -> dict[str, float]:
    ordered = sorted(xs)
    return {"p50": round(statistics.median(ordered) * 1000, 1), "p99": round(_p99(ordered) * 1000, 1),
            "p90": round(ordered[int(len(ordered) * 0.9)] * 1000, 1), "max": round(ordered[-1] * 1000, 1)}


def _p99(xs: list[float]) -> float:
    ordered = sorted(xs)
    return ordered[max(int(len(ordered) * 0.99) - 1, 0)]


def _due(url: str) -> int:
    """Mails still waiting in the outbox when the POSTs ended: the backlog was there throughout."""
    from sqlalchemy import func, select

    from copflow.db.models import Notification
    from copflow.db.uow import UnitOfWork

    with UnitOfWork(url) as u:
        return int(u.session.scalar(select(func.count()).select_from(Notification)
                                    .where(Notification.status.in_(["pending", "sending"]))) or 0)
