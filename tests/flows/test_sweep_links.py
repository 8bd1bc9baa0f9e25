"""The daily sweep flow puts a form link in each lead's reminder, and no token in any Prefect artifact or log."""

from __future__ import annotations

import logging
import re

from flows.daily_sweep import daily_sweep
from tests.flows.test_daily_sweep import _artifact
from tests.integration.helpers import D, at, to_planning


def _every_artifact():  # type: ignore[no-untyped-def]
    import asyncio

    from prefect.client.orchestration import get_client

    async def read():  # type: ignore[no-untyped-def]
        async with get_client() as client:
            return await client.read_artifacts(limit=200)

    return asyncio.run(read())


def test_reminders_sent_by_the_flow_carry_links_that_no_artifact_or_log_shows(db_url, smtp, monkeypatch, caplog):
    monkeypatch.setenv("COPFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("COPFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COPFLOW_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("COPFLOW_WEB_URL", "https://cops.uni.example.org")
    to_planning(db_url)
    from copflow.services.mail.delivery import deliver_with_settings
    from copflow.settings import load_settings

    deliver_with_settings(load_settings(), now=at(11))  # the stage-change notices of the walk-through
    smtp.received.clear()
    caplog.set_level(logging.DEBUG)

    summary = daily_sweep(now=at(52 - 7))  # sponsor meeting due in 7 days: the leads' reminder
    assert summary["sent"] == 2
    tokens = []
    for m in smtp.received:
        body = m.message.get_body(preferencelist=("plain",)).get_content()
        tokens += re.findall(r"https://cops\.uni\.example\.org/e/([A-Za-z0-9_\-]{32})", body)
    assert sorted(r for m in smtp.received for r in m.rcpt_tos) == [f"ann@{D}", f"bob@{D}"] and len(tokens) == 2
    assert _artifact("copflow-sweep").data  # the run published its summary
    published = " ".join(str(a.data) + str(a.description) for a in _every_artifact())
    assert "data-insight" in published
    # Every log line of the run but the test's own SMTP server's (aiosmtpd logs the DATA it receives).
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    assert "daily-sweep" in logged or "Finished" in logged
    for token in tokens:
        assert token not in published and token not in logged
