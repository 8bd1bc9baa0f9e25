"""The acceptance of copflow web from a fresh demo: `copflow demo`, then `copflow web`; the link the demo prints
opens a form in Chromium; valid evidence advances that CoP (`copflow status`) and its stage-changed mails appear
in the Maildir."""

from __future__ import annotations

import json
import mailbox
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.webapp import CHROMIUM, free_port, web_server

DEMO_SLUGS = ("data-insight", "events-management", "research-it", "hr-recruitment", "digital-communications",
              "facilities-management")
EXE = str(Path(sys.executable).with_name("copflow"))


@pytest.mark.slow
def test_the_link_the_demo_prints_records_a_launch_in_the_browser(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPFLOW_", "PREFECT_API"))}
    env["COPFLOW_WEB_URL"] = f"http://127.0.0.1:{port}"
    folder = tmp_path / "demo"
    r = subprocess.run([EXE, "demo", "--folder", str(folder)], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"COPFLOW_HOME={folder} uv run copflow web" in r.stdout
    [link] = re.findall(rf"http://127\.0\.0\.1:{port}/e/[A-Za-z0-9_\-]+", r.stdout)
    before = {m["Message-ID"] for m in mailbox.Maildir(str(folder / "maildir"), factory=None)}

    from playwright.sync_api import sync_playwright

    user_env = {**env, "COPFLOW_HOME": str(folder)}  # as the demo says: COPFLOW_HOME=… copflow web
    with web_server(tmp_path, "", port, datetime.now(UTC), env=user_env) as server, sync_playwright() as p:
        assert server.maildir == folder / "maildir"
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(link)
        assert page.locator("h1").inner_text() == "The launch event"
        assert "HR Recruitment" in page.locator(".crumb").inner_text()
        page.fill("#held_on", datetime.now(UTC).date().isoformat())
        page.fill("#attendance", "35")
        page.fill("#feedback", "Hiring managers want a shared interview guide")
        page.click("button[type=submit]")
        assert "HR Recruitment has moved on to the active stage" in page.locator("#notice").inner_text()
        # Every page a mail of the demo links to, and the hub and its join forms, opens (a link may be spent or
        # expired: never a server error).
        urls = {f"http://127.0.0.1:{port}/", *(f"http://127.0.0.1:{port}/join/{slug}" for slug in DEMO_SLUGS)}
        for message in mailbox.Maildir(str(folder / "maildir"), factory=None):
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    text = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
                    urls |= set(re.findall(rf"http://127\.0\.0\.1:{port}/[^\s<>\"')]+", text))
        answers = {url: page.request.get(url, max_redirects=0).status for url in sorted(urls)}
        assert all(code in (200, 404, 410) for code in answers.values()), answers
        assert answers[f"http://127.0.0.1:{port}/"] == 200
        assert sum(code == 200 for code in answers.values()) > len(answers) // 2, answers
        browser.close()
        server.settle()  # the app's deliverer has sent the launch's mail before the app stops
    status = subprocess.run([EXE, "status", "--json"], env=user_env, capture_output=True, text=True)
    rows = {row["slug"]: row["stage"] for row in json.loads(status.stdout)}
    assert rows["hr-recruitment"] == "active"
    new = [m for m in mailbox.Maildir(str(folder / "maildir"), factory=None) if m["Message-ID"] not in before]
    changed = [m for m in new if "has moved to the active stage" in str(m["Subject"])]
    assert len(changed) >= 3, [m["Subject"] for m in new]  # the leads and the sponsor
    # The web app, run with only COPFLOW_HOME, sends as the demo's programme (the folder keeps its settings).
    assert {str(m["From"]) for m in new} == {"CoP programme <cop-programme@uni.example.org>"}
    assert all(str(m["Message-ID"]).endswith("@uni.example.org>") for m in new)

