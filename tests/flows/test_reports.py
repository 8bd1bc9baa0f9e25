"""The delivery and portfolio flows: their outcome in the SMTP server, and their artifacts via the API."""

from __future__ import annotations

import re

from sqlalchemy import update

from copflow.db.models import Cop
from copflow.db.uow import UnitOfWork
from flows.outbox_delivery import outbox_delivery
from flows.portfolio_report import portfolio_report
from notifications.vocabulary import long_date
from tests.flows.test_daily_sweep import _artifact
from tests.integration.helpers import to_active, to_planning


def mail_to(smtp, db_url, monkeypatch, **more: str) -> None:  # type: ignore[no-untyped-def]
    """The flows' settings: this test's database, and mail to the test's SMTP server."""
    for key, value in {"COPFLOW_DATABASE_URL": db_url, "COPFLOW_SMTP_HOST": "127.0.0.1",
                       "COPFLOW_SMTP_PORT": str(smtp.port), **more}.items():
        monkeypatch.setenv(key, value)


def test_outbox_delivery_flow_sends_what_is_pending(db_url, smtp, monkeypatch):
    mail_to(smtp, db_url, monkeypatch)
    to_planning(db_url)
    report = outbox_delivery()
    assert report["sent"] == len(smtp.received) == 3
    assert outbox_delivery()["sent"] == 0


def test_portfolio_report_publishes_a_table_with_a_stable_key(db_url, monkeypatch):
    monkeypatch.setenv("COPFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("COPFLOW_WEB_URL", "https://cops.uni.example.org")
    to_planning(db_url, "research-it")
    to_active(db_url, "data-insight", with_staff=False)
    with UnitOfWork(db_url) as u:  # a name with Markdown's own characters must stay in its cell
        u.session.execute(update(Cop).where(Cop.slug == "research-it").values(name="Research|IT [pilot] *core*"))
        u.commit()
    assert portfolio_report() == 2
    artifact = _artifact("copflow-portfolio")
    assert artifact.type == "markdown"
    table = [line for line in artifact.data.splitlines() if line.startswith("|")]
    # Six columns with human headers, most overdue first (the planning CoP is long past its sponsor meeting),
    # each CoP's name a link to its entry on the hub.
    assert table[0] == "| CoP | Stage | Next step | Due | Status | Next review |"
    assert table[2].startswith(r"| [Research\|IT \[pilot\] \*core\*](https://cops.uni.example.org/#cop-research-it)"
                               " | planning | The sponsor meeting |")
    assert "days late (stuck)" in table[2] and len(table) == 4
    # (An evaluation artifact that an earlier test of the session published for this slug may follow the name.)
    assert re.match(r"\| \[Data and Insight\]\(https://cops\.uni\.example\.org/#cop-data-insight\)"
                    r"( · \[evaluation\]\([^)]*\))? \| active \|", table[3]), table[3]
    for raw in ("slug", "next_gate", "due_on", "overdue_days"):
        assert raw not in artifact.data
    from lifecycle import mermaid

    diagram = _artifact("copflow-lifecycle")
    assert diagram.type == "markdown"
    assert f"```mermaid\n{mermaid({'active': 1, 'planning': 1})}```" in diagram.data
    assert '    state "active (1 CoP)" as active\n' in diagram.data
    assert '    state "closed (0 CoPs)" as closed\n' in diagram.data


def test_the_sweep_archives_a_cop_on_its_closing_date_and_publishes_the_manifest(db_url, smtp, monkeypatch, tmp_path):
    from flows.daily_sweep import daily_sweep
    from tests.integration.helpers import at
    from tests.integration.test_closure import CLOSING_DAY, closing

    mail_to(smtp, db_url, monkeypatch, COPFLOW_ARCHIVE_DIR=str(tmp_path / "archives"),
            COPFLOW_OD_MANAGER_EMAIL="od@uni.example.org")
    closing(db_url)
    assert daily_sweep(now=at(CLOSING_DAY - 1))["closed"] == []
    summary = daily_sweep(now=at(CLOSING_DAY))
    assert summary["closed"] == ["data-insight"]
    assert any(m.message["Subject"] == "Data and Insight is closed and archived" for m in smtp.received)
    # The OD manager hears once, in the digest: closed today, and no "archive late" for it.
    [digest] = [m for m in smtp.received if m.message["Subject"].startswith("CoP programme, ")]
    assert digest.rcpt_tos == ["od@uni.example.org"] and "1 CoP closed" in digest.message["Subject"]
    manifest = _artifact("copflow-closure-data-insight")
    assert "transitions.json" in manifest.data and "roster.json" in manifest.data
    closed_on = long_date(at(CLOSING_DAY).date())
    assert f"· [closure record](/v2/artifacts/key/copflow-closure-data-insight) (closed on {closed_on}): archive " \
        "data-insight-" in _artifact("copflow-sweep").data
    # In the portfolio a closed CoP is no longer on the hub: its name is plain, its closure record the link.
    portfolio_report()
    assert re.search(r"\| Data and Insight( · \[evaluation\]\([^)]*\))? · \[closure record\]"
                     r"\(/v2/artifacts/key/copflow-closure-data-insight\) \| closed \|",
                     _artifact("copflow-portfolio").data)
    assert daily_sweep(now=at(CLOSING_DAY + 1))["closed"] == []


def test_the_sweep_evaluates_a_review_when_its_survey_closes(db_url, smtp, monkeypatch, tmp_path):
    from flows.daily_sweep import daily_sweep
    from flows.review_evaluation import review_evaluation
    from tests.integration.helpers import at
    from tests.integration.test_closure import under_review
    from tests.integration.test_evaluation import EVAL_DAY, evidence

    mail_to(smtp, db_url, monkeypatch, COPFLOW_REPORTS_DIR=str(tmp_path / "reports"))
    under_review(db_url)
    evidence(db_url, tmp_path)
    assert daily_sweep(now=at(EVAL_DAY - 1))["evaluated"] == []
    summary = daily_sweep(now=at(EVAL_DAY))
    assert summary["evaluated"] == ["data-insight (evolve)"]
    ready = [m for m in smtp.received if "evaluation recommends \"evolve\"" in m.message["Subject"]]
    assert sorted(m.rcpt_tos[0] for m in ready) == sorted(f"{w}@uni.example.org" for w in ("ann", "bob", "dir", "odm"))
    report = _artifact("copflow-evaluation-data-insight")
    assert "## Recommendation: evolve" in report.data and "| 2 blog posts | 2 | 1 | no |" in report.data
    # The portfolio's row for the CoP links its evaluation beside its entry on the hub.
    # (The session's one Prefect API also keeps an earlier test's closure record under this CoP's key.)
    portfolio_report()
    [row] = [line for line in _artifact("copflow-portfolio").data.splitlines()
             if line.startswith("| [Data and Insight](http://127.0.0.1:8000/#cop-data-insight) · ")]
    assert "· [evaluation](/v2/artifacts/key/copflow-evaluation-data-insight)" in row
    assert daily_sweep(now=at(EVAL_DAY + 1))["evaluated"] == []
    # On demand (the evaluate-now deployment): the report is brought up to date, nobody is mailed twice.
    again = review_evaluation("data-insight")
    assert again["recommendation"] == "evolve" and again["messages"] == 0
    assert (tmp_path / "reports" / "data-insight").is_dir()


def test_a_failed_archive_reaches_the_od_manager_once_with_its_reason(db_url, smtp, monkeypatch, tmp_path):
    """The sweep tries the archive first; when it fails, the reminders that follow see the CoP still closing,
    and the OD manager's digest says why (here: the archive folder is a file)."""
    from flows.daily_sweep import daily_sweep
    from tests.integration.helpers import at
    from tests.integration.test_closure import CLOSING_DAY, closing

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x", encoding="utf-8")
    mail_to(smtp, db_url, monkeypatch, COPFLOW_ARCHIVE_DIR=str(blocked), COPFLOW_OD_MANAGER_EMAIL="od@uni.example.org")
    closing(db_url)
    summary = daily_sweep(now=at(CLOSING_DAY + 1))
    assert summary["closed"] == [] and list(summary["archive_failed"]) == ["data-insight"]
    [digest] = [m.message for m in smtp.received if m.message["Subject"].startswith("CoP programme, ")]
    text = digest.get_body(("plain",)).get_content()
    assert "CLOSURE ARCHIVES THAT FAILED" in text and "Data and Insight: the archive could not be written" in text
    assert "Reason: " in text and "not-a-folder" in text
    sweep = _artifact("copflow-sweep").data
    assert "## Closure archives that failed" in sweep
    [failed] = [line for line in sweep.splitlines()
                if line.startswith("- [Data and Insight](http://127.0.0.1:8000/#cop-data-insight): ")]
    assert "not-a-folder" in failed
