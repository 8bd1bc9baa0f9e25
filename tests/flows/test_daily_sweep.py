"""The daily sweep as a real Prefect flow run: database, SMTP server and artifacts checked afterwards."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from flows.daily_sweep import daily_sweep
from tests.integration.helpers import D, at, to_planning


def _artifact(key: str):  # type: ignore[no-untyped-def]
    """The latest artifact with `key`, read back through the Prefect API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    async def read():  # type: ignore[no-untyped-def]
        async with get_client() as client:
            return await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
                                               sort=ArtifactSort.CREATED_DESC, limit=1)

    [artifact] = asyncio.run(read())
    return artifact


def test_sweep_flow_queues_delivers_and_reports(db_url, smtp, monkeypatch):
    monkeypatch.setenv("COPFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("COPFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COPFLOW_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("COPFLOW_SENDER", "CoP programme <cop@uni.example.org>")
    to_planning(db_url)
    to_planning(db_url, "events", with_staff=False)
    from copflow.services.mail.delivery import deliver_with_settings
    from copflow.settings import load_settings

    deliver_with_settings(load_settings(), now=at(11))  # the stage-change notices of the walk-through
    smtp.received.clear()

    # Sponsor meeting 7 days overdue, and no sweep ran since it fell due: the leads' rung (+1) and the sponsor's
    # (+7) are both owed, in this one sweep, leads first.
    summary = daily_sweep(now=at(52 + 7), batch_size=1)

    assert summary["batches"] == 2 and summary["cops"] == 2
    assert summary["notices_queued"] == 6 and summary["sent"] == 6
    assert sorted(r for m in smtp.received for r in m.rcpt_tos) == sorted([f"ann@{D}", f"bob@{D}", f"dir@{D}"] * 2)
    assert sorted({m.message["Subject"] for m in smtp.received if m.rcpt_tos == [f"dir@{D}"]}) == [
        "Data and Insight is 7 days late with the sponsor meeting"]
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(func.count()).select_from(Notification)
                                .where(Notification.status != "sent")) == 0
    assert summary["escalations_queued"] == 2
    first = _artifact("copflow-sweep").data
    assert "| CoPs overdue with the sponsor or OD manager | 2 |" in first and "| Mail sent | 6 |" in first
    # Both CoPs in the overdue table, each name a link to its entry on the hub (the default web address).
    assert "| [Data and Insight](http://127.0.0.1:8000/#cop-data-insight) | The sponsor meeting, 7 days late " \
           "(leads reminded today; sponsor told today) |" in first
    assert "[what needs attention now](/v2/artifacts/key/copflow-attention)" in first
    # Each step of the one list (the benchmark's baseline runs the same), in its order, with its time.
    from copflow.services.sweep.steps import SWEEP_STEPS

    assert [st["step"] for st in summary["steps"]] == [s.value for s in SWEEP_STEPS]
    timed = first.split("## Where the time went", 1)[1].splitlines()
    assert [line.split(" | ")[0].removeprefix("| ") for line in timed if line.startswith("| ")][1:] == \
        [s.value for s in SWEEP_STEPS]
    assert "| reminders | 0 reviews opened, 6 reminders queued (2 to sponsors) | " in first

    again = daily_sweep(now=at(52 + 7), batch_size=1)
    assert again["notices_queued"] == 0 and again["sent"] == 0
    assert len(smtp.received) == 6

    portfolio = _artifact("copflow-attention")
    # (The session's one Prefect API may hold an earlier test's evaluation or closure record for this CoP: its link
    # then follows the name.)
    assert portfolio.type == "markdown"
    assert any(line.startswith("| [Data and Insight](http://127.0.0.1:8000/#cop-data-insight)")
               and "| planning | The sponsor meeting |" in line for line in portfolio.data.splitlines())
    sweep = _artifact("copflow-sweep")
    assert sweep.type == "markdown" and "| Reminders sent to leads | 0 |" in sweep.data  # the re-run's


def test_the_sweep_reminds_an_action_owner_and_never_escalates_an_overdue_action(db_url, smtp, monkeypatch):
    from copflow.services.actions.plan import add_action

    monkeypatch.setenv("COPFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("COPFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COPFLOW_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("COPFLOW_SENDER", "CoP programme <cop@uni.example.org>")
    monkeypatch.setenv("COPFLOW_WEB_URL", "https://cops.uni.example.org")
    to_planning(db_url)
    for title, owner, added, due in (("Book the room", "cat", 11, 23), ("Write the blog post", "ann", 11, 12)):
        add_action(UnitOfWork(db_url), slug="data-insight", title=title, owner=f"{owner}@{D}",
                   due_on=at(due).date(), who=f"bob@{D}", via="cli", now=at(added))
    from copflow.services.mail.delivery import deliver_with_settings
    from copflow.settings import load_settings

    deliver_with_settings(load_settings(), now=at(11))  # the stage-change notices of the walk-through
    smtp.received.clear()

    summary = daily_sweep(now=at(20))  # no gate within its reminders; Ann's action is 8 days overdue

    assert summary["action_reminders"] == 1 and summary["notices_queued"] == 0
    [sent] = [m for m in smtp.received if m.message["Subject"].startswith("Reminder: “Book the room”")]
    assert sent.rcpt_tos == [f"cat@{D}"] and len(smtp.received) == 1
    assert "https://cops.uni.example.org/a/" in sent.message.get_body(("plain",)).get_content()
    assert "| Reminders sent to action owners | 1 |" in _artifact("copflow-sweep").data
    assert daily_sweep(now=at(20))["action_reminders"] == 0 and len(smtp.received) == 1


def test_embedded_runs_send_no_heartbeats_but_server_runs_do(monkeypatch):
    from prefect.settings import get_current_settings

    from copflow.runs import embedded_runs

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    default = get_current_settings().flows.heartbeat_frequency
    with embedded_runs():
        assert get_current_settings().flows.heartbeat_frequency is None
    assert get_current_settings().flows.heartbeat_frequency == default
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:1/api")
    with embedded_runs():
        assert get_current_settings().flows.heartbeat_frequency == default


def test_the_summary_links_to_the_ui_only_when_a_server_is_configured(monkeypatch):
    from copflow.runs import ui_url

    monkeypatch.delenv("PREFECT_UI_URL", raising=False)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert ui_url() is None  # embedded: the temporary server is gone when the artifact is read
    monkeypatch.setenv("PREFECT_UI_URL", "https://prefect.uni.example.org/ui")
    assert ui_url() == "https://prefect.uni.example.org/ui"
