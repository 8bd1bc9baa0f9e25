"""The read-mailbox flow (the deployment every 5 minutes) on real Prefect: it reads the Maildir inbox once."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.mailbox_mail import reply


def test_the_flow_reads_the_inbox_once(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.mailbox_reading import mailbox_reading

    monkeypatch.setenv("COPFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("COPFLOW_INBOX_MAILDIR", str(tmp_path / "inbox"))
    (tmp_path / "inbox" / "new").mkdir(parents=True)
    (tmp_path / "inbox" / "new" / uuid.uuid4().hex).write_bytes(
        reply("ooo@staff.example.org", subject="Automatic reply: away"))
    first = mailbox_reading()
    assert (first["read"], first["ignored"]) == (1, 1)
    assert mailbox_reading()["read"] == 0
    assert len(list((tmp_path / "inbox" / ".ignored" / "cur").iterdir())) == 1
