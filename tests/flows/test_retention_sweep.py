"""The daily sweep purges mail past retention as a real Prefect flow run, says so in its summary artifact, and a
re-run for the same day after the purge queues and sends nothing."""

from __future__ import annotations

from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from flows.daily_sweep import daily_sweep
from tests.flows.test_daily_sweep import _artifact
from tests.integration.helpers import at, to_planning


def test_the_sweep_purges_old_mail_and_a_rerun_sends_nothing(db_url, smtp, monkeypatch, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text("[policy]\nmail_retention_days = 30\n", encoding="utf-8")
    monkeypatch.setenv("COPFLOW_POLICY", str(policy))
    monkeypatch.setenv("COPFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("COPFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COPFLOW_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("COPFLOW_SENDER", "CoP programme <cop@uni.example.org>")
    to_planning(db_url)
    from copflow.services.mail.delivery import deliver_with_settings
    from copflow.settings import load_settings

    walk = deliver_with_settings(load_settings(), now=at(11))  # the walk-through's notices, sent on day 11
    assert walk.sent > 0
    smtp.received.clear()

    # 48 days later: day 11's mail is past the 30 days. The sponsor meeting, 7 days late, is owed to the leads (2)
    # and the sponsor (1) in this first sweep since it fell due.
    summary = daily_sweep(now=at(52 + 7))
    assert summary["mail_purged"] == walk.sent and summary["retention_days"] == 30 and summary["sent"] == 3
    artifact = _artifact("copflow-sweep").data
    assert f"| Sent mail purged (older than 30 days) | {walk.sent} |" in artifact
    with UnitOfWork(db_url) as u:
        rows = list(u.session.scalars(select(Notification)))
        purged = [r for r in rows if r.purged_at is not None]
        assert len(purged) == walk.sent and all(r.body_text == "" and r.recipient_hash for r in purged)
        assert all(r.body_text for r in rows if r.purged_at is None)  # today's reminders keep their content

    again = daily_sweep(now=at(52 + 7))
    assert again["notices_queued"] == 0 and again["sent"] == 0 and again["mail_purged"] == 0
    assert len(smtp.received) == 3
