"""The console's other ways in, against the real `copflow web`: switched off until sign-in is configured (saying
how), behind a signing-in proxy (its trusted header), and the demo's sign-in without an identity provider, on
127.0.0.1 only."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.webapp import reads_well, server_env, settings_for_site, web_server
from tests.integration.helpers import D, at, proposed

NOW = at(10)


def get(url: str, **headers: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_without_sign_in_configured_the_console_says_how(db_url: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    with web_server(tmp_path, db_url, port, NOW) as site:
        for path in ("/console", "/console/cops/new", "/console/sign-in"):
            status, body = get(site.url + path)
            assert status == 503 and "COPFLOW_OIDC_ISSUER" in body and "docs/console.md" in body, path


def test_behind_a_signing_in_proxy_the_header_names_who_is_signed_in(db_url: str, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    proposed(db_url)
    env = server_env(tmp_path, db_url, port, NOW)
    env.update({"COPFLOW_WEB_TRUSTED_USER_HEADER": "X-Forwarded-Email", "COPFLOW_CONSOLE_MANAGERS": f"grace@{D}"})
    with web_server(tmp_path, db_url, port, NOW, env=env) as site:
        status, body = get(site.url + "/console", **{"X-Forwarded-Email": f"grace@{D}"})
        assert status == 200 and "Data and Insight" in body
        status, body = get(site.url + "/console", **{"X-Forwarded-Email": f"odm@{D}"})  # COPFLOW_OD_MANAGER_EMAIL
        assert status == 200 and "Signed in as Oda Mann" in body
        status, body = get(site.url + "/console/cops/data-insight", **{"X-Forwarded-Email": f"ann@{D}"})
        assert status == 403 and "not one of them" in body


@pytest.mark.parametrize(("proxies", "believed"), [("127.0.0.1", True), ("10.9.9.9", False)])
def test_behind_a_signing_in_proxy_its_groups_header_is_believed_from_the_proxy_only(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, proxies: str, believed: bool) -> None:
    """COPFLOW_CONSOLE_MANAGER_GROUPS honoured behind the proxy: its groups header, only on a connection from one
    of COPFLOW_WEB_TRUSTED_PROXIES (the test's requests come from 127.0.0.1)."""
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    proposed(db_url)
    env = server_env(tmp_path, db_url, port, NOW)
    env.update({"COPFLOW_WEB_TRUSTED_USER_HEADER": "X-Forwarded-Email", "COPFLOW_WEB_TRUSTED_PROXIES": proxies,
                "COPFLOW_WEB_TRUSTED_GROUPS_HEADER": "X-Forwarded-Groups",
                "COPFLOW_CONSOLE_MANAGER_GROUPS": "od-managers"})
    with web_server(tmp_path, db_url, port, NOW, env=env) as site:
        grace = {"X-Forwarded-Email": f"grace@{D}", "X-Forwarded-Groups": "staff, od-managers"}
        status, body = get(site.url + "/console/cops/data-insight", **grace)
        if believed:
            assert status == 200 and "Data and Insight" in body
        else:
            assert status == 403 and "not one of them" in body
        status, body = get(site.url + "/console", **{**grace, "X-Forwarded-Groups": "staff"})
        assert status == 403 and "not one of them" in body


def test_the_demo_signs_its_od_manager_in_on_this_machine_only(db_url: str, tmp_path: Path, browser: Any,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    proposed(db_url)
    env = server_env(tmp_path, db_url, port, NOW)
    refused = subprocess.run([str(Path(sys.executable).with_name("copflow")), "web", "--console-demo", "--host",
                              "0.0.0.0", "--port", str(port)], env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert "127.0.0.1 only, not on 0.0.0.0" in refused.stderr and "Traceback" not in refused.stderr
    with web_server(tmp_path, db_url, port, NOW, "--console-demo") as site:
        ctx = browser.new_context(bypass_csp=True)
        page = ctx.new_page()
        page.goto(site.url + "/console/cops/data-insight")
        assert "/console/sign-in" in page.url
        reads_well(page, "demo sign-in")
        page.click("button >> text=Sign in as Oda Mann")
        assert page.locator("h1").inner_text() == "Data and Insight"
        ctx.close()
