"""The OD manager sets a community's chat channel from the console (issue 26), in Chromium against `copflow web`
signed in through the local OpenID Connect provider, Apprise in the server's process pointed at the local Slack
stand-in: an address that is not a channel is refused beside its field and never shown again; a working one gets
a test post, is recorded as the console's write and shown masked; removing it stops the posts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from copflow.db.uow import UnitOfWork
from copflow.services.channels import channel_of
from tests.chat_server import ChatServer, chat_server, slack_address
from tests.e2e.console_site import ConsoleSite, console_site, sign_in
from tests.e2e.webapp import reads_well, settings_for_site
from tests.integration.helpers import D, at, to_active

NOW = at(130)
SECRET = "SlackSecret0004"


def both_widths(page: Any, where: str) -> None:
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        reads_well(page, f"{where} at {width} px")
    page.set_viewport_size({"width": 1440, "height": 900})


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ConsoleSite, ChatServer]]:
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    to_active(db_url)
    with chat_server(tmp_path) as chat, \
            console_site(tmp_path, db_url, port, NOW, **chat.env(), COPFLOW_HOME=str(tmp_path / "home")) as s:
        yield s, chat


def test_the_od_manager_sets_and_removes_a_channel_from_the_console(site: tuple[ConsoleSite, ChatServer],
                                                                     browser: Any, db_url: str) -> None:
    console, chat = site
    page = browser.new_context(bypass_csp=True).new_page()  # axe-core is injected as a script
    sign_in(page, console, "odm", "/console/cops/data-insight")
    page.click("text=Set or change Data and Insight's chat channel")
    assert "No chat channel yet" in page.inner_text("#channel-now")
    both_widths(page, "console channel, none")

    page.fill("#channel-address", "https://example.org/not-a-webhook")
    page.click("text=Send a test post and save")
    assert "Not an address copflow can post to" in page.inner_text("#err-channel-address")
    assert "example.org/not-a-webhook" not in page.content()
    assert channel_of(UnitOfWork(db_url), "data-insight").shown is None
    reads_well(page, "console channel, refused")

    page.fill("#channel-address", slack_address(4))
    page.select_option("#channel-handover", "move")
    page.click("text=Send a test post and save")
    body = page.inner_text("main")
    assert "The channel is set: Slack, #" in body and "moves to the new communities" in body
    assert SECRET not in page.content() and "hooks.slack.com" not in page.content()
    [hello] = chat.state.accepted("slack")
    assert hello.payload["attachments"][0]["title"] == "Data and Insight is connected to copflow"
    view = channel_of(UnitOfWork(db_url), "data-insight")
    assert view.handover == "move" and view.set_by == f"odm@{D} (via console by Oda Mann)"
    both_widths(page, "console channel, set")

    page.click("text=Remove the channel")
    assert "The channel is removed" in page.inner_text("main")
    assert channel_of(UnitOfWork(db_url), "data-insight").shown is None
    assert SECRET not in console.web.log.read_text()
