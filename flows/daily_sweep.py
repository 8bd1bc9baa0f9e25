"""The daily sweep: archive CoPs whose closing date has come, evaluate reviews whose survey window has closed,
then open reviews that fall due and queue the reminders still owed, deliver, tell the OD manager in one digest,
and purge mail past retention.

The steps and their order are copflow/services/sweep/steps.py's, shared with the benchmark's services baseline;
here each step runs in its Prefect task (retries, states, the artifacts and events a deployment shows), and the
run's artifact says how long each took.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from copflow.runs import ui_url
from copflow.services.actions.reminders import ActionReminders
from copflow.services.archiving import ClosureResult
from copflow.services.briefs.queue import BriefCounts
from copflow.services.mail.delivery import DeliveryReport
from copflow.services.mail.digest import Digest
from copflow.services.privacy.retention import PurgeCounts
from copflow.services.sweep.due_work import SweepCounts
from copflow.services.sweep.missing_documents import Resent
from copflow.services.sweep.step_calls import EvaluatedReview, SweepPlan, failure_reason
from copflow.services.sweep.steps import run_sweep
from notifications.sweep_summary import artifact_url, run_url, sweep_markdown
from tasks.actions import remind_action_owners
from tasks.briefs import meeting_briefs
from tasks.closure import archive_and_close
from tasks.common import settings
from tasks.digest import od_digest
from tasks.documents import send_missing_documents
from tasks.evaluation import evaluate_reviews
from tasks.outbox import deliver_outbox
from tasks.portfolio import publish_attention
from tasks.retention import purge_old_mail
from tasks.sweep import plan_sweep, sweep_cop_batch


def _run_name() -> str:
    from prefect.runtime import flow_run

    now = flow_run.parameters.get("now")
    day = (now.isoformat() if isinstance(now, datetime) else str(now or datetime.now(UTC).isoformat()))[:10]
    return f"daily-sweep {day}"


class InTasks:
    """Each step of the sweep in its Prefect task (copflow.services.sweep.steps.SweepSteps)."""

    def __init__(self, log: Any) -> None:
        self.log = log

    def plan(self, now: datetime, batch_size: int) -> SweepPlan:
        return plan_sweep(now, batch_size)

    def close(self, slugs: list[str], now: datetime) -> tuple[list[ClosureResult], dict[str, str]]:
        """Archive and close each CoP whose closing date has come; a failure is kept with its reason for the
        digest. No retry within the sweep: tomorrow's sweep tries again."""
        closures: list[ClosureResult] = []
        failures: dict[str, str] = {}
        for slug in slugs:
            state = archive_and_close.with_options(retries=0)(slug, now, return_state=True)
            if state.is_completed():
                closures.append(state.result())
                self.log.info("archived and closed %s", slug)
            else:
                failures[slug] = _reason(state)
                self.log.warning("could not archive %s: %s", slug, failures[slug])
        return closures, failures

    def evaluate(self, groups: list[list[str]], now: datetime) -> list[EvaluatedReview]:
        return [e for group in groups for e in evaluate_reviews(group, now)]

    def documents(self, now: datetime) -> Resent:
        return send_missing_documents(now)  # documents a mail said would follow (a PDF that failed): made, sent

    def reminders(self, batches: list[list[int]], now: datetime) -> SweepCounts:
        counts = SweepCounts()
        for r in sweep_cop_batch.map(batches, now=now).result() if batches else []:
            counts = counts.add(r)
        return counts

    def action_reminders(self, now: datetime) -> ActionReminders:
        return remind_action_owners(now)  # owners of actions due soon or today; overdue ones go on the agenda

    def briefs(self, now: datetime) -> BriefCounts:
        return meeting_briefs(now)  # agendas and sponsor briefs read the plan after today's changes

    def attention(self, now: datetime) -> int:
        return publish_attention(now)

    def deliver(self, now: datetime) -> DeliveryReport:
        return deliver_outbox(now)

    def digest(self, now: datetime, counts: SweepCounts, closures: list[ClosureResult], failures: dict[str, str],
               delivery: DeliveryReport) -> Digest:
        ui = ui_url()
        return od_digest(now, counts, closures, failures, delivery, run_url=run_url(ui),
                         artifacts_url=artifact_url("copflow-sweep", ui))

    def purge(self, now: datetime) -> PurgeCounts:
        return purge_old_mail(now)  # after delivery: what was sent today is never what is purged


@flow(name="daily-sweep", flow_run_name=_run_name, log_prints=True)
def daily_sweep(now: datetime | None = None, batch_size: int = 500) -> dict[str, Any]:
    """Close, evaluate, then open due reviews and queue what is owed; deliver; one digest for the OD manager."""
    log = get_run_logger()
    now = now or datetime.now(UTC)
    now = now if now.tzinfo else now.replace(tzinfo=UTC)  # the one clock type below: an aware datetime
    outcome = run_sweep(InTasks(log), now, batch_size=batch_size, log=log)
    summary = outcome.summary()
    markdown = sweep_markdown(now.isoformat(), summary, [asdict(e) for e in outcome.evaluated],
                              asdict(outcome.digest), asdict(outcome.delivery), ui_url(), web_url=settings().web_url)
    create_markdown_artifact(key="copflow-sweep", markdown=markdown,
                             description="What the daily sweep did, and what needs the OD manager (as in the digest)")
    return summary


def _reason(state: Any) -> str:
    try:
        state.result()
    except Exception as exc:  # the archive's own error says what failed (a folder not writable, a bad checksum)
        return failure_reason(exc)
    return str(state.message or "unknown")


if __name__ == "__main__":
    daily_sweep()
