"""Signing in to the OD manager's console through a real OpenID Connect flow: Chromium, the console as the
client of a local provider (authlib's server side) that issues signed ID tokens. An OD manager gets in (by address
or by group), someone else gets 403, nobody without a session reaches any console page, and signing out ends
the session on the server."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.e2e.console_site import ConsoleSite, console_site, sign_in
from tests.e2e.webapp import settings_for_site
from tests.integration.helpers import at, proposed

NOW = at(10)


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ConsoleSite]:
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    proposed(db_url)
    with console_site(tmp_path, db_url, port, NOW) as s:
        yield s


def test_an_od_manager_signs_in_sees_the_portfolio_and_signs_out(site: ConsoleSite, browser: Any) -> None:
    ctx = browser.new_context()
    page = ctx.new_page()
    sign_in(page, site, "odm", "/console/cops/data-insight")  # COPFLOW_OD_MANAGER_EMAIL: odm@
    assert page.locator("h1").inner_text() == "Data and Insight"
    assert "Signed in as Oda Mann (odm@uni.example.org)" in page.inner_text("header")
    cookie = next(c for c in ctx.cookies() if c["name"] == "__Host-copflow_console")
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.goto(site.url + "/console")
    assert page.locator("#portfolio a", has_text="Data and Insight").count() == 1
    token = cookie["value"]
    csp = page.request.get(site.url + "/console").headers["content-security-policy"]
    assert f"form-action 'self' {site.provider.issuer};" in csp  # the sign-out's redirect, to the provider only

    with page.expect_request(re.compile(re.escape(site.provider.issuer) + r"/logout\?")) as to_provider:
        page.click("text=Sign out")
    page.wait_for_url(site.url + "/console/signed-out")
    assert page.locator("h1").inner_text() == "You have signed out"
    # The provider's session ended too (RP-initiated logout): it checked the ID token it had issued to us.
    assert site.provider.signed_out == ["odm"]
    asked = dict(parse_qsl(urlsplit(to_provider.value.url).query))
    assert asked["post_logout_redirect_uri"] == site.url + "/console/signed-out" and asked["id_token_hint"]
    assert not [c for c in ctx.cookies() if c["name"] == "__Host-copflow_console"]
    # The old cookie is worth nothing: the session ended on the server.
    ctx.add_cookies([{**cookie, "value": token}])
    answer = page.goto(site.url + "/console")
    assert answer is not None and page.url.startswith(site.provider.issuer)
    ctx.close()


def test_an_od_manager_by_group_claim_gets_in_and_anyone_else_gets_403(site: ConsoleSite, browser: Any) -> None:
    ctx = browser.new_context()
    page = ctx.new_page()
    sign_in(page, site, "grace")
    assert page.locator("h1").inner_text() == "The programme's communities"
    ctx.close()

    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(site.url + "/console")
    with page.expect_response(re.compile(r".*/console$")) as answer:
        page.click("button[value=ann]")
    assert answer.value.status == 403
    assert "not one of them" in page.inner_text("main")
    assert "Ann Lee (ann@uni.example.org)" in page.inner_text("main")
    for path in ("/console/cops/data-insight", "/console/outbox"):
        r = page.goto(site.url + path)
        assert r is not None and r.status == 403, path
    ctx.close()


def console_paths(slug: str = "data-insight") -> list[tuple[str, str]]:
    """Every console route, its parameters filled in: (method, path)."""
    from copflow.web.console import routes

    out = []
    for route in routes():
        path = route.path.replace("{slug}", slug).replace("{gate}", "core_group_formed")
        path = re.sub(r"\{[^}]+\}", "x", path)
        for method in sorted(route.methods or {"GET"}):
            if method != "HEAD":
                out.append((method, path))
    return out


OPEN = {"/console/sign-in", "/console/signed-in", "/console/signed-out", "/console/sign-out"}


def test_no_console_page_is_reachable_without_a_session(site: ConsoleSite) -> None:
    """A crawler with no cookie: every console URL (GET and POST) answers a redirect to sign in, never a page."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    paths = console_paths()
    assert len(paths) > 3
    for method, path in paths:
        if path in OPEN:
            continue
        request = urllib.request.Request(site.url + path, method=method,
                                         data=b"csrf=x" if method == "POST" else None)
        try:
            opener.open(request, timeout=10)
            raise AssertionError(f"{method} {path} answered without a session")
        except urllib.error.HTTPError as exc:
            assert exc.code == 303, (method, path, exc.code)
            assert exc.headers["location"].startswith("/console/sign-in?next="), (method, path)
            assert exc.headers["cache-control"] == "no-store"
