"""The daily sweep: archive CoPs whose closing date has come, evaluate reviews whose survey window has closed,
then open reviews that fall due and queue the reminders still owed, deliver, purge mail past retention, and
tell the OD manager in one digest.

The order matters: reminders are computed from the state after today's closures, evaluations and review
openings, so the sweep never announces what it is about to do itself (no "archive late" for a CoP it closes
a moment later).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from copflow.runs import ui_url
from copflow.services.archiving import ClosureResult
from copflow.services.sweep import SweepCounts
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


@flow(name="daily-sweep", flow_run_name=_run_name, log_prints=True)
def daily_sweep(now: datetime | None = None, batch_size: int = 500) -> dict[str, Any]:
    """Close, evaluate, then open due reviews and queue what is owed; deliver; one digest for the OD manager."""
    log = get_run_logger()
    now = now or datetime.now(UTC)
    now = now if now.tzinfo else now.replace(tzinfo=UTC)  # the one clock type below: an aware datetime
    now_iso = now.isoformat()
    plan = plan_sweep(now, batch_size)
    closures, failures = _archive(plan.closures, now, log)
    evaluated = [e for group in plan.evaluations for e in evaluate_reviews(group, now)]
    for e in evaluated:
        log.info("evaluated %s: recommends %s", e.slug, e.recommendation)
    resent = send_missing_documents(now)  # documents a mail said would follow (a PDF that failed): made, sent
    batches = plan.batches
    results = sweep_cop_batch.map(batches, now=now).result() if batches else []
    counts = SweepCounts()
    for r in results:
        counts = counts.add(r)
    log.info("opened %d review(s), queued %d reminder(s) (%d to sponsors); %d overdue item(s) for the OD manager",
             counts.reviews_opened, counts.notices_queued, counts.escalations_queued, len(counts.attention))
    reminded = remind_action_owners(now)  # owners of actions due soon or today; overdue ones go on the agenda
    log.info("queued %d action reminder(s)", reminded.queued)
    briefs = meeting_briefs(now)  # agendas and sponsor briefs read the plan after today's changes
    totals: dict[str, Any] = {**asdict(counts), "agendas_queued": briefs.agendas, "briefs_queued": briefs.briefs,
                              "prepared": briefs.meetings}
    totals["action_reminders"] = reminded.queued
    totals["evaluated"] = [f"{e.slug} ({e.recommendation})" for e in evaluated]
    totals["closed"] = [c.slug for c in closures]
    totals["archive_failed"] = failures
    totals["documents_sent"], totals["documents_still_missing"] = resent.sent, resent.failed
    # What needs attention is read while the mail goes out: the two do not depend on each other, and Prefect's
    # per-task orchestration (API round trips) overlaps with the delivery's work instead of adding to it.
    attention = publish_attention.submit(now)
    delivery = deliver_outbox(now)
    attention.result()
    log.info("sent %d message(s); %d to retry; %d refused; %d waiting", delivery.sent, delivery.retried,
             delivery.parked, delivery.waiting)
    ui = ui_url()
    digest = od_digest(now, counts.attention, closures, failures, delivery.parked_messages,
                       run_url=run_url(ui), artifacts_url=artifact_url("copflow-sweep", ui),
                       mail_waiting=delivery.waiting, mail_clears_at=delivery.clears_at)
    after = deliver_outbox(now) if digest.queued else None
    log.info("the OD manager's digest: %s", "sent" if after and after.sent else "queued" if digest.queued
             else "nothing new to send")
    purged = purge_old_mail(now)  # after delivery: what was sent today is never what is purged
    summary = {**totals, "batches": len(batches), "sent": delivery.sent + (after.sent if after else 0),
               "retried": delivery.retried + (after.retried if after else 0),
               "parked": delivery.parked + (after.parked if after else 0),
               "waiting": after.waiting if after else delivery.waiting, "digest": digest.queued,
               "mail_purged": purged.purged, "attachments_purged": purged.attachments,
               "parked_kept": purged.parked_kept, "retention_days": purged.retention_days}
    markdown = sweep_markdown(now_iso, summary, [asdict(e) for e in evaluated], asdict(digest), asdict(delivery), ui,
                              web_url=settings().web_url)
    create_markdown_artifact(key="copflow-sweep", markdown=markdown,
                             description="What the daily sweep did, and what needs the OD manager (as in the digest)")
    return summary


def _archive(slugs: list[str], now: datetime, log: Any) -> tuple[list[ClosureResult], dict[str, str]]:
    """Archive and close each CoP whose closing date has come; a failure is kept with its reason for the digest.
    No retry within the sweep: tomorrow's sweep tries again."""
    closures: list[ClosureResult] = []
    failures: dict[str, str] = {}
    for slug in slugs:
        state = archive_and_close.with_options(retries=0)(slug, now, return_state=True)
        if state.is_completed():
            closures.append(state.result())
            log.info("archived and closed %s", slug)
        else:
            failures[slug] = _reason(state)
            log.warning("could not archive %s: %s", slug, failures[slug])
    return closures, failures


def _reason(state: Any) -> str:
    try:
        state.result()
    except Exception as exc:  # the archive's own error says what failed (a folder not writable, a bad checksum)
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return str(state.message or "unknown")


if __name__ == "__main__":
    daily_sweep()
