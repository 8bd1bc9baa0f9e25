"""Abuse limits that hold (issue 28, breaks 2 and 5), against a real server: X-Forwarded-For is believed only from
the proxies named in COPFLOW_WEB_TRUSTED_PROXIES (a rotating header from 127.0.0.1 bypassed the rate limit), and
requests for ever new link addresses leave no lock behind in the view cache."""

from __future__ import annotations

import secrets
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from copflow.db.migrate import upgrade
from tests.e2e.webapp import free_port, server_env, web_server
from tests.integration.helpers import at

NOW = at(110)


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn reads FORWARDED_ALLOW_IPS when no list is given: these tests mean copflow's own setting alone."""
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)


def statuses(url: str, forwarded: list[str]) -> list[int]:
    with httpx.Client(timeout=30) as c:
        return [c.get(url, headers={"X-Forwarded-For": f}).status_code for f in forwarded]


def test_x_forwarded_for_counts_only_from_a_configured_proxy(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    upgrade(db)
    port = free_port()
    unknown = f"/e/{'y' * 32}"
    rotating = [f"198.51.100.{i}" for i in range(8)]
    with web_server(tmp_path, db, port, NOW, "--rate-limit", "5") as server:
        # By default nobody is a proxy: the header is the client's own claim and changes nothing.
        assert statuses(server.url + unknown, rotating) == [404] * 5 + [429] * 3
    port = free_port()
    env = {**server_env(tmp_path, db, port, NOW), "COPFLOW_WEB_TRUSTED_PROXIES": "127.0.0.1, ::1"}
    with web_server(tmp_path, db, port, NOW, "--rate-limit", "5", env=env) as server:
        # Behind the configured proxy, each client it names is counted on its own ...
        assert statuses(server.url + unknown, rotating) == [404] * 8
        # ... and one client is limited whatever the others do.
        assert statuses(server.url + unknown, ["203.0.113.7"] * 7) == [404] * 5 + [429] * 2


def test_a_proxy_setting_that_names_no_address_is_refused(tmp_path: Path) -> None:
    env = {**server_env(tmp_path, f"sqlite:///{tmp_path / 'c.db'}", free_port(), NOW),
           "COPFLOW_WEB_TRUSTED_PROXIES": "*"}
    exe = str(Path(sys.executable).with_name("copflow"))
    r = subprocess.run([exe, "web", "--port", "1"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].endswith(
        "COPFLOW_WEB_TRUSTED_PROXIES must list the reverse proxies' addresses or networks (e.g. 127.0.0.1 or "
        "10.0.0.0/8), separated by commas, not '*'"), r.stderr


def _starlette(app: Any) -> Any:
    while not hasattr(app, "state"):
        app = app.app
    return app


def test_random_link_addresses_leave_no_lock_behind(tmp_path: Path) -> None:
    """30,000 GETs of random /e/… paths grew the server by 46 MB. The app (create_app, as `copflow web` builds it)
    is served by uvicorn over TCP in this process, so that its view cache can be looked at afterwards."""
    import uvicorn

    from copflow.settings import load_settings
    from copflow.web.app import create_app

    db = f"sqlite:///{tmp_path / 'c.db'}"
    upgrade(db)
    port = free_port()
    env = {k: v for k, v in server_env(tmp_path, db, port, NOW).items() if k.startswith("COPFLOW_")}
    app = create_app(load_settings(env), clock=lambda: NOW, rate_limit=0)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)

        def visit(n: int) -> list[int]:
            with httpx.Client(timeout=30) as c:
                return [c.get(f"http://127.0.0.1:{port}/e/{secrets.token_urlsafe(24)}").status_code
                        for _ in range(n)]

        with ThreadPoolExecutor(4) as pool:
            answers = [s for part in pool.map(visit, [750] * 4) for s in part]
        assert answers == [404] * 3000
        answers_kept, locks = _starlette(app).state.web.cache.sizes()
        assert locks == 0 and answers_kept == 0  # an unknown link keeps nothing
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_a_flood_of_join_requests_costs_each_lead_their_cap_and_one_digest(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The break as found: 200 POSTs of the join form with rotating requester addresses sent 238 mails in 10 s.
    Now (the rate limit off, to show the caps hold on their own) each lead gets the policy's daily cap of mails,
    and one digest of the rest when the day ends."""
    from copflow.services.mail.delivery import deliver_with_settings
    from copflow.services.people.join_requests import day_ends
    from copflow.settings import load_settings
    from tests.e2e.webapp import settings_for_site, text_of
    from tests.e2e.world import Visitor
    from tests.integration.helpers import D, P, to_launching

    port = settings_for_site(monkeypatch, tmp_path, db_url)
    to_launching(db_url)
    deliver_with_settings(load_settings(), now=NOW)  # the walk's own mail
    with web_server(tmp_path, db_url, port, NOW, "--rate-limit", "0") as server:
        before = server.ids()
        v = Visitor()
        join = f"{server.url}/join/data-insight"
        token = v.csrf(join)
        answers = [v.http.post(join, data={"csrf": token, "name": f"Flood {i}", "email": f"flood{i}@{D}"})
                   .status_code for i in range(200)]
        assert answers == [200] * 200
        mails = server.since(before)
        cap = P.join_requests_per_cop_per_day
        assert len(mails) == 2 * cap and {m["To"].split("<")[-1].rstrip(">") for m in mails} == {f"ann@{D}",
                                                                                                  f"bob@{D}"}
        deliver_with_settings(load_settings(), now=day_ends(NOW.date(), P))
        digests = [m for m in server.since(before) if "more requests to join" in str(m["Subject"])]
        assert len(server.since(before)) == 2 * cap + 2 and len(digests) == 2
        for d in digests:
            assert f"{200 - cap} more requests to join" in str(d["Subject"])
            assert "and 90 more requests not listed here" in text_of(d)
