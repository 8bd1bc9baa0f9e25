"""CSRF by the book (issue 28, break 4), against the real `copflow web` on SQLite and PostgreSQL: the token is the
server's, signed and bound to the session and to the link of the page; a cookie the server did not make is never
adopted or written into a page; a form posted from another site is refused by its headers; text that looks like
the old placeholder is only text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from copflow.db.models import Charter, Cop, ServerSecret
from copflow.db.uow import UnitOfWork
from tests.e2e.webapp import Server, server_env, settings_for_site, web_server
from tests.e2e.world import NOW, Doors, Visitor, build, row_counts, tracebacks
from tests.integration.helpers import D

FORGED = "This form has expired or did not come from this site"


@pytest.fixture
def world(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Server, Doors]]:
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    doors = build(db_url, tmp_path, f"http://127.0.0.1:{port}")
    with web_server(tmp_path, db_url, port, NOW) as server:
        httpx.get(server.url + "/join/data-insight")  # the first form makes the CSRF secret: counts start after
        yield server, doors


def token_in(html: str) -> str:
    [token] = set(re.findall(r'name="csrf" value="([^"]+)"', html))
    return token


def test_a_cookie_the_server_did_not_make_is_never_adopted_or_written_into_a_page(
        world: tuple[Server, Doors], db_url: str) -> None:
    """The break as found: `copflow_csrf=x"><meta http-equiv="refresh" …>` was adopted and written into the page."""
    server, doors = world
    hostile = 'x"><meta http-equiv="refresh" content="0;url=https://evil.example.org/">'
    for planted in (hostile, "x", "A" * 24 + "." + "B" * 32):
        c = httpx.Client(cookies={"copflow_csrf": planted})
        got = c.get(doors.cop)
        assert got.status_code == 200
        assert "http-equiv" not in got.text and "evil.example.org" not in got.text
        assert f'value="{planted}"' not in got.text
        fresh = got.cookies.get("copflow_csrf")
        assert fresh and fresh != planted  # replaced by one the server signed
        assert token_in(got.text) != fresh  # the page's token is not the cookie
        before = row_counts(db_url)
        r = httpx.post(f"{doors.cop}/members", cookies={"copflow_csrf": planted},
                       data={"csrf": planted, "email": f"eve@{D}", "name": "Eve Moss", "role": "wider"})
        assert r.status_code == 403 and FORGED in r.text
        assert row_counts(db_url) == before
    assert tracebacks(server.log) == []


def test_a_token_works_only_in_its_own_session_and_for_its_own_link(world: tuple[Server, Doors],
                                                                   db_url: str) -> None:
    """A cookie planted from a sibling subdomain gave an attacker a token they knew. Now the attacker's own valid
    session and token (from the public join form, or from a link of their own) open no one else's form."""
    server, doors = world
    attacker = Visitor()
    join_token = attacker.csrf(f"{server.url}/join/data-insight")
    own_token = attacker.csrf(doors.launch_cop)  # a lead's link of another CoP, in the same session
    session = attacker.http.cookies["copflow_csrf"]
    form = {"email": f"eve@{D}", "name": "Eve Moss", "role": "wider"}
    before = row_counts(db_url)
    for token in (join_token, own_token):
        # The victim's browser carries the planted session; the attacker's page posts to the victim's link.
        r = httpx.post(f"{doors.cop}/members", cookies={"copflow_csrf": session}, data={"csrf": token, **form})
        assert r.status_code == 403 and FORGED in r.text
    assert row_counts(db_url) == before
    victim = Visitor()
    r = victim.post(doors.cop, f"{doors.cop}/members", form)  # the page's own token, in its own session
    assert r.status_code == 200 and "Eve Moss" in r.text
    stolen = victim.csrf(doors.cop)
    r = httpx.post(f"{doors.cop}/members", cookies={"copflow_csrf": session}, data={"csrf": stolen, **form})
    assert r.status_code == 403  # a token is worth nothing in another session


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example.org"}, {"Sec-Fetch-Site": "cross-site"},
                                     {"Sec-Fetch-Site": "same-site"},
                                     {"Origin": "http://127.0.0.1.evil.example.org", "Sec-Fetch-Site": "cross-site"}])
def test_a_form_posted_from_another_site_is_refused(world: tuple[Server, Doors], db_url: str,
                                                    headers: dict[str, str]) -> None:
    server, doors = world
    v = Visitor()
    before = row_counts(db_url)
    for page, url, form in ((doors.cop, f"{doors.cop}/members", {"email": f"eve@{D}", "name": "Eve", "role": "wider"}),
                            (f"{server.url}/join/data-insight", f"{server.url}/join/data-insight",
                             {"name": "Sam Hill", "email": f"sam@{D}"})):
        r = v.post(page, url, form, headers=headers)
        assert r.status_code == 403 and FORGED in r.text, (url, headers, r.status_code)
    assert row_counts(db_url) == before
    ok = v.post(doors.cop, f"{doors.cop}/members", {"email": f"eve@{D}", "name": "Eve Moss", "role": "wider"},
                headers={"Origin": server.url, "Sec-Fetch-Site": "same-origin"})
    assert ok.status_code == 200
    ok = v.post(doors.cop, f"{doors.cop}/members", {"action": "leave", "email": f"eve@{D}"},
                headers={"Origin": "null"})  # what a browser sends for our own forms under no-referrer
    assert ok.status_code == 200


def test_text_like_the_old_placeholder_is_only_text(db_url: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A charter purpose holding the old placeholder (NUL csrf NUL) was rendered as each viewer's token, on the
    public hub too. PostgreSQL keeps no NUL in text, so there the placeholder cannot even be stored."""
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL refuses NUL in text: the placeholder cannot be stored there")
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    doors = build(db_url, tmp_path, f"http://127.0.0.1:{port}")
    purpose = "Share practice \x00csrf\x00 across teams"
    with UnitOfWork(db_url) as u:
        cop_id = u.session.scalar(select(Cop.id).where(Cop.slug == "launch-cop"))
        u.session.execute(update(Charter).where(Charter.cop_id == cop_id).values(purpose=purpose))
        u.session.commit()
    with web_server(tmp_path, db_url, port, NOW) as server:
        v = Visitor()
        token = v.csrf(f"{server.url}/join/launch-cop")  # the hub's scope, in this session
        session = v.http.cookies["copflow_csrf"]
        for url in (f"{server.url}/", doors.launch_cop):
            html = v.http.get(url).text
            assert purpose in html and token not in html and session not in html, url
        page_token = v.csrf(doors.launch_cop)
        assert html.count(page_token) == html.count('name="csrf"')  # only in the forms' hidden fields


def test_the_secret_is_made_once_kept_in_the_database_and_never_shown(db_url: str, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    doors = build(db_url, tmp_path, f"http://127.0.0.1:{port}")
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(ServerSecret.value)) is None  # made on first use, not before
    with web_server(tmp_path, db_url, port, NOW) as server:
        v = Visitor()
        first = v.csrf(doors.cop)
        log = server.log.read_text()
    with UnitOfWork(db_url) as u:
        [row] = u.session.scalars(select(ServerSecret)).all()
        secret = row.value
        assert row.name == "csrf" and len(secret) >= 43 and "***" in repr(row) and secret not in repr(row)
    assert secret not in log
    with web_server(tmp_path, db_url, port, NOW):  # a restart signs alike: an open form still works
        assert v.csrf(doors.cop) == first
        r = v.http.post(f"{doors.cop}/members", data={"csrf": first, "email": f"eve@{D}", "name": "Eve Moss",
                                                      "role": "wider"})
        assert r.status_code == 200


def test_behind_sso_a_token_is_bound_to_the_signed_in_user(db_url: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The join form is public, so its token is bound to the signed-in user: a token taken as one user does not
    post as another (who would otherwise ask to join in their own name without knowing it)."""
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    build(db_url, tmp_path, f"http://127.0.0.1:{port}")
    env = {**server_env(tmp_path, db_url, port, NOW), "COPFLOW_WEB_TRUSTED_USER_HEADER": "X-Forwarded-Email"}
    with web_server(tmp_path, db_url, port, NOW, env=env) as server:
        join = f"{server.url}/join/data-insight"
        mallory = Visitor(headers={"X-Forwarded-Email": f"mallory@{D}"})
        token = mallory.csrf(join)
        session = mallory.http.cookies["copflow_csrf"]
        before = row_counts(db_url)
        r = httpx.post(join, headers={"X-Forwarded-Email": f"cat@{D}"}, cookies={"copflow_csrf": session},
                       data={"csrf": token, "name": "Cat Ng"})
        assert r.status_code == 403 and row_counts(db_url) == before
        r = mallory.http.post(join, data={"csrf": token, "name": "Mallory Smith"})
        assert r.status_code == 200 and "leads have your request" in r.text


def test_over_https_the_cookie_is_host_only_and_secure(db_url: str, tmp_path: Path) -> None:
    """Behind TLS the cookie is `__Host-copflow_csrf`: Secure, Path=/ and no Domain, so no sibling subdomain can
    set it. In-process (the ASGI app under httpx), as the proxy in front would reach it."""
    from copflow.settings import load_settings
    from copflow.web.app import create_app

    build(db_url, tmp_path, "https://cops.example.org")
    settings = load_settings({"COPFLOW_DATABASE_URL": db_url, "COPFLOW_HOME": str(tmp_path / "home"),
                              "COPFLOW_WEB_URL": "https://cops.example.org"})
    app = create_app(settings, clock=lambda: NOW)
    import asyncio

    async def visit() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="https://cops.example.org") as c:
            return await c.get("/join/data-insight")

    r = asyncio.run(visit())
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("__Host-copflow_csrf=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
