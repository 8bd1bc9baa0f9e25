"""The daily sweep as a real Prefect flow run mails the check-in agenda once per occurrence and person, and its
artifact says which meetings were prepared."""

from __future__ import annotations

from datetime import UTC, date, datetime

from copflow.services.actions import plan
from copflow.services.mail.delivery import deliver_with_settings
from copflow.settings import load_settings
from flows.daily_sweep import daily_sweep
from tests.flows.test_daily_sweep import _artifact
from tests.integration.helpers import D, at, to_active

SWEEP = datetime(2025, 5, 11, 7, tzinfo=UTC)  # two days before the first check-in (Tuesday 13 May 2025)


def test_the_sweep_flow_sends_each_agenda_once(db_url, mail_to_smtp):
    smtp = mail_to_smtp
    to_active(db_url)
    from copflow.db.uow import UnitOfWork

    plan.add_action(UnitOfWork(db_url), slug="data-insight", title="Draft the dashboard guide", owner=f"cat@{D}",
                       due_on=date(2025, 5, 9), who=f"bob@{D}", via="cli", now=at(100))
    deliver_with_settings(load_settings(), now=at(100))  # the walk-through's own mail
    smtp.received.clear()

    summary = daily_sweep(now=SWEEP)
    assert summary["agendas_queued"] == 3 and summary["briefs_queued"] == 0
    agendas = [m for m in smtp.received if m.message["Subject"].startswith("Agenda:")]
    assert sorted(r for m in agendas for r in m.rcpt_tos) == [f"ann@{D}", f"bob@{D}", f"cat@{D}"]
    assert all(m.message["Subject"] == "Agenda: Data and Insight core group check-in, Tuesday 13 May 2025 "
                                       "(1 overdue action)" for m in agendas)
    artifact = _artifact("copflow-sweep").data
    assert "| Check-in agendas and sponsor briefs (one per attendee) | 3 |" in artifact
    assert "- Data and Insight: 1 meeting" in artifact
    assert "check-in" not in artifact.replace("Check-in agendas", "")  # a private meeting is never named there

    again = daily_sweep(now=SWEEP.replace(hour=16))
    tomorrow = daily_sweep(now=SWEEP.replace(day=12))
    assert again["agendas_queued"] == 0 and tomorrow["agendas_queued"] == 0
    assert len([m for m in smtp.received if m.message["Subject"].startswith("Agenda:")]) == 3
