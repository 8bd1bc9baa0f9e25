"""A real `copflow web` server (the console script, in its own process) over a test database, a Maildir, and
Playwright driving Debian's Chromium (never a downloaded browser). Shared by the web tests."""

from __future__ import annotations

import mailbox
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "interop" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    env: dict[str, str]
    log: Path
    maildir: Path

    def mails(self) -> list[Message]:
        """The Maildir, once the app's deliverer has sent what is due: a page answers before its mail goes."""
        self.settle()
        return list(mailbox.Maildir(str(self.maildir), factory=None, create=True))

    def settle(self, timeout: float = 60) -> None:
        """Wait until the outbox holds nothing due (the web app sends outside the request, in its own thread)."""
        from datetime import timedelta

        from sqlalchemy import func, select

        from copflow.db.models import Notification
        from copflow.db.uow import UnitOfWork
        from copflow.settings import load_settings

        settings = load_settings(self.env)
        due_by = datetime.fromisoformat(self.env["COPFLOW_NOW"]) + timedelta(minutes=5) \
            if self.env.get("COPFLOW_NOW") else datetime.now().astimezone()
        deadline = time.monotonic() + timeout
        while True:
            with UnitOfWork(settings.database_url) as u:
                left = u.session.scalar(select(func.count()).select_from(Notification).where(
                    (Notification.status == "sending")
                    | ((Notification.status == "pending") & (Notification.next_attempt_at <= due_by))))
            if not left:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{left} message(s) still due after {timeout} s: {self.log.read_text()}")
            time.sleep(0.05)

    def ids(self) -> set[str]:
        """The Message-IDs in the Maildir before an action, once what was due has gone: the app's deliverer may
        still be sending what the test's world queued before the server started, which is not the action's."""
        return {str(m["Message-ID"]) for m in self.mails()}

    def since(self, before: set[str]) -> list[Message]:
        """Messages delivered after `before` (a set of Message-IDs) was taken."""
        return [m for m in self.mails() if str(m["Message-ID"]) not in before]


def server_env(tmp: Path, db_url: str, port: int, now: datetime) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPFLOW_", "PREFECT_API"))}
    env.update({
        "COPFLOW_HOME": str(tmp / "home"), "COPFLOW_DATABASE_URL": db_url, "COPFLOW_MAILDIR": str(tmp / "maildir"),
        "COPFLOW_WEB_URL": f"http://127.0.0.1:{port}", "COPFLOW_NOW": now.isoformat(),
        "COPFLOW_OD_MANAGER_EMAIL": "odm@uni.example.org", "COPFLOW_SENDER": "CoP programme <cop@uni.example.org>",
    })
    return env


def settings_for_site(monkeypatch: Any, tmp_path: Path, db_url: str) -> int:
    """This process's settings (the services the test calls) point where the server's will: the database, the
    Maildir and the public address on a free port, which is returned."""
    port = free_port()
    monkeypatch.setenv("COPFLOW_WEB_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("COPFLOW_MAILDIR", str(tmp_path / "maildir"))
    monkeypatch.setenv("COPFLOW_DATABASE_URL", db_url)
    return port


@contextmanager
def web_server(tmp: Path, db_url: str, port: int, now: datetime, *extra: str,
               env: dict[str, str] | None = None) -> Iterator[Server]:
    """`copflow web` on `port`; `env` (as a user's shell would have it) replaces the tests' own settings."""
    env = env or server_env(tmp, db_url, port, now)
    log = tmp / f"web-{port}.log"
    script = Path(sys.executable).with_name("copflow")
    with log.open("w") as out:
        proc = subprocess.Popen([str(script), "web", "--port", str(port), *extra], env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/static/copflow.css", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"copflow web did not start: {log.read_text()}") from None
                time.sleep(0.1)
        yield Server(f"http://127.0.0.1:{port}", env, log,
                     Path(env.get("COPFLOW_MAILDIR") or Path(env["COPFLOW_HOME"]) / "maildir"))
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def text_of(msg: Message) -> str:
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    return ""


def link_in(msg: Message, base: str) -> str:
    found = re.findall(re.escape(base) + r"/[ecfda]/[A-Za-z0-9_\-]+(?:\.ics)?", text_of(msg))
    assert found, text_of(msg)
    return str(found[0])


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not AXE.is_file():
        raise AssertionError("axe-core is not installed: run `bash tests/install-tools.sh`")
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .filter(v => v.impact === 'serious' || v.impact === 'critical')
             .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))""")
    return found


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright, for a module's tests (its `browser` fixture)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


def reads_well(page: Any, where: str) -> None:
    """axe-core finds no serious or critical violation, and the page's words have no internal token (gate or role
    ids, ISO dates, slugs: tests/wording.py, as for every mail)."""
    from tests import wording

    found = axe_violations(page)
    assert found == [], f"{where}: {found}"
    words = page.title() + "\n" + page.inner_text("body")
    assert wording.problems(words) == [], f"{where}: {wording.problems(words)}\n{words}"

