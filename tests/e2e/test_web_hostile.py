"""Hostile input to `copflow web` (issue 28), against the real server in its own process on SQLite and PostgreSQL:
a field that cannot be read is a 4xx with the message beside it (never a 500), an id past 64 bits is not found, the
lost-update check cannot be skipped, a client that hangs up leaves one log line, and behind SSO a request without
the signed-in user is refused."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from copflow.db.uow import UnitOfWork
from copflow.services.actions.plan import action_history
from tests.e2e.webapp import Server, server_env, settings_for_site, web_server
from tests.e2e.world import NOW, Doors, Visitor, build, row_counts, tracebacks
from tests.integration.helpers import D


@pytest.fixture
def world(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Server, Doors]]:
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    doors = build(db_url, tmp_path, f"http://127.0.0.1:{port}")
    with web_server(tmp_path, db_url, port, NOW) as server:
        httpx.get(server.url + "/join/data-insight")  # the first form makes the CSRF secret: counts start after
        yield server, doors


def no_day(d: Doors) -> list[tuple[str, str, dict[str, str], str]]:
    """(page, form's address, form, the field whose message must be beside it): 30 February in every date field."""
    bad = "2026-02-30"
    return [
        (d.launch, d.launch, {"held_on": bad, "attendance": "3", "feedback": "x"}, "err-held_on"),
        (d.launch_cop, f"{d.launch_cop}/gate/launch_held", {"held_on": bad, "attendance": "3"}, "err-held_on"),
        (d.plan_cop, f"{d.plan_cop}/gate/sponsor_meeting_done", {"held_on": bad, "sponsor_attended": "yes",
                                                                 "notes": "x"}, "err-held_on"),
        (d.charter_cop, f"{d.charter_cop}/gate/charter_published", {"published_on": bad, "version": "1"},
         "err-published_on"),
        (d.charter_cop, f"{d.charter_cop}/gate/charter_published", {"review_dates": f"2027-03-01\n{bad}"},
         "err-review_dates"),
        (d.new_cop, f"{d.new_cop}/gate/core_group_formed", {"formed_on": bad, "domain": "x"}, "err-formed_on"),
        (d.cop, f"{d.cop}/actions", {"title": "t", "owner": f"bob@{D}", "due": bad}, "err-new-due"),
        (d.owner, f"{d.owner}/{d.action}", {"status": "moved", "due": bad, "note": "later", "version": "1"},
         f"err-action-{d.action}"),
        (d.decision, d.decision, {"decision": "close", "reason": "done, as the review found", "closing_date": bad}, "err-closing_date"),
    ]


def test_a_day_that_does_not_exist_is_refused_beside_its_field(world: tuple[Server, Doors], db_url: str) -> None:
    """Issue 28, break 9: 30 February was a 500 on six forms."""
    server, doors = world
    v = Visitor()
    for page, url, form, beside in no_day(doors):
        before = row_counts(db_url)
        r = v.post(page, url, form)
        assert r.status_code in (400, 409, 422), (url, r.status_code, r.text[-500:])
        assert f'id="{beside}"' in r.text, (url, r.text)
        assert row_counts(db_url) == before, url
    assert tracebacks(server.log) == []


def test_an_id_past_what_the_database_holds_is_not_found(world: tuple[Server, Doors]) -> None:
    """Issue 28, break 9: an action id past 64 bits was an OverflowError (500)."""
    server, doors = world
    v = Visitor()
    for big in (2**31, 2**63, 2**64, 10**30):  # PostgreSQL's integer ends at 2**31 - 1, SQLite's at 2**63 - 1
        for page, url in ((doors.cop, f"{doors.cop}/actions/{big}"), (doors.owner, f"{doors.owner}/{big}")):
            r = v.post(page, url, {"status": "done", "version": "1"})
            assert r.status_code == 404, (url, r.status_code)
    assert tracebacks(server.log) == []


@pytest.mark.parametrize("version", ["abc", "", None, "1.5", str(2**70)])
def test_the_lost_update_check_cannot_be_skipped(world: tuple[Server, Doors], db_url: str,
                                                 version: str | None) -> None:
    """Issue 28, break 10: `version=abc` skipped the check and applied the change. A version that is missing or
    not a whole number is refused beside the action, and nothing is written."""
    server, doors = world
    v = Visitor()
    form = {"status": "done", "note": "finished"} | ({} if version is None else {"version": version})
    for page, url in ((doors.cop, f"{doors.cop}/actions/{doors.action}"), (doors.owner,
                                                                           f"{doors.owner}/{doors.action}")):
        before = row_counts(db_url)
        r = v.post(page, url, form)
        assert r.status_code in (409, 422), (url, r.status_code)
        assert f'id="err-action-{doors.action}"' in r.text
        assert "Nothing was changed" in r.text
        assert row_counts(db_url) == before
    assert [e.to_status for e in action_history(UnitOfWork(db_url), action_id=doors.action)][-1:] != ["done"]
    assert tracebacks(server.log) == []


def test_a_client_that_hangs_up_leaves_one_line_in_the_log(world: tuple[Server, Doors]) -> None:
    """Issue 28, break 9: a client that disconnects mid-form left a full traceback in the error log."""
    server, doors = world
    v = Visitor()
    token = v.csrf(doors.launch)
    cookie = "; ".join(f"{k}={val}" for k, val in v.http.cookies.items())
    where = urlsplit(doors.launch)
    with socket.create_connection((where.hostname or "", where.port or 80)) as s:
        s.sendall((f"POST {where.path} HTTP/1.1\r\nHost: {where.netloc}\r\nCookie: {cookie}\r\n"
                   "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\n"
                   f"csrf={token}&held_on=").encode())
    deadline = time.monotonic() + 30
    while "hung up" not in server.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = server.log.read_text()
    [line] = [line for line in log.splitlines() if "hung up" in line]
    assert line.startswith("WARNING:") and "POST /e/[token]" in line and where.path[3:] not in line, log
    assert tracebacks(server.log) == []
    assert Visitor().http.get(doors.launch).status_code == 200  # and the server carries on


def test_behind_sso_a_request_without_the_signed_in_user_is_refused(db_url: str, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 28, break 11: with COPFLOW_WEB_TRUSTED_USER_HEADER set, a missing or empty header skipped the
    per-person check. It is a 403 with a page saying why, on every page."""
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    doors = build(db_url, tmp_path, f"http://127.0.0.1:{port}")
    env = {**server_env(tmp_path, db_url, port, NOW), "COPFLOW_WEB_TRUSTED_USER_HEADER": "X-Forwarded-Email"}
    with web_server(tmp_path, db_url, port, NOW, env=env) as server:
        for headers in ({}, {"X-Forwarded-Email": ""}):
            for url in (doors.cop, doors.launch, doors.decision, doors.owner, f"{server.url}/",
                        f"{server.url}/join/data-insight"):
                r = Visitor(headers=headers).http.get(url)
                assert r.status_code == 403, (url, headers, r.status_code)
                assert "signed-in user" in r.text, r.text
        before = row_counts(db_url)
        r = Visitor().http.post(f"{server.url}/join/data-insight", data={"name": "Sam Hill", "email": f"sam@{D}"})
        assert r.status_code == 403 and row_counts(db_url) == before
        assert Visitor(headers={"X-Forwarded-Email": f"ann@{D}"}).http.get(doors.cop).status_code == 200
        assert Visitor(headers={"X-Forwarded-Email": f"bob@{D}"}).http.get(doors.cop).status_code == 404
        assert Visitor().http.get(f"{server.url}/static/copflow.css").status_code == 200  # the stylesheet is not a page
