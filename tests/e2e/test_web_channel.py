"""A lead sets the CoP's chat channel on its page, in a real browser (Debian's Chromium against `copflow web` in
its own process, Apprise in that process pointed at the local Slack stand-in): an address that is not a channel
is refused beside its field and never shown again; a working one gets a test post and is shown masked; removing
it stops the posts. The section reads well (axe-core, no internal names)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from copflow.db.uow import UnitOfWork
from copflow.services.channels import channel_of
from copflow.services.links import signed as links
from tests.chat_server import ChatServer, chat_server, slack_address
from tests.e2e.webapp import Server, reads_well, server_env, settings_for_site, web_server
from tests.integration.helpers import D, P, at, to_active

NOW = at(130)
SECRET = "SlackSecret0003"


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Server, ChatServer]]:
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    to_active(db_url)
    with chat_server(tmp_path) as chat:
        env = {**server_env(tmp_path, db_url, port, NOW), **chat.env(),
               "COPFLOW_HOME": str(tmp_path / "home")}
        with web_server(tmp_path, db_url, port, NOW, env=env) as server:
            yield server, chat


def test_a_lead_sets_the_channel_on_the_cop_page(site: tuple[Server, ChatServer], browser: Any, db_url: str) -> None:
    server, chat = site
    link = links.issue(UnitOfWork(db_url), slug="data-insight", email=f"ann@{D}", purpose="cop", now=NOW, policy=P,
                       web_url=server.url)
    page = browser.new_context(bypass_csp=True).new_page()  # axe-core is injected as a script
    page.goto(link)
    assert "No chat channel yet" in page.inner_text("#h-channel + p")
    reads_well(page, "CoP page, no channel")
    page.fill("#channel-address", "https://example.org/not-a-webhook")
    page.click("text=Send a test post and save")
    assert "Not an address copflow can post to" in page.inner_text("#err-channel-address")
    assert "example.org/not-a-webhook" not in page.content()
    reads_well(page, "CoP page, channel refused")
    page.fill("#channel-address", slack_address(3))
    page.select_option("#channel-handover", "move")
    page.click("text=Send a test post and save")
    body = page.inner_text("body")
    assert "The channel is set: Slack, #" in body and "moves to the new communities" in body
    assert SECRET not in page.content() and "hooks.slack.com" not in page.content()
    [hello] = chat.state.accepted("slack")
    assert hello.payload["attachments"][0]["title"] == "Data and Insight is connected to copflow"
    view = channel_of(UnitOfWork(db_url), "data-insight")
    assert view.shown is not None and view.handover == "move" and view.set_by == f"ann@{D} (via web)"
    reads_well(page, "CoP page with a channel")
    page.click("text=Remove the channel")
    assert "The channel is removed" in page.inner_text("body")
    assert channel_of(UnitOfWork(db_url), "data-insight").shown is None
    assert SECRET not in server.log.read_text()
