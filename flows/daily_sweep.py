"""The daily sweep: open reviews that fall due, queue reminders and escalations, evaluate reviews whose survey
window has closed, archive CoPs whose closing date has come, deliver, purge mail past retention, report."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from copflow.runs import ui_url
from copflow.services.sweep import SweepCounts
from notifications.sweep_summary import sweep_markdown
from tasks.closure import archive_and_close
from tasks.evaluation import evaluate_reviews
from tasks.outbox import deliver_outbox
from tasks.portfolio import publish_attention
from tasks.retention import purge_old_mail
from tasks.sweep import plan_sweep, sweep_cop_batch


@flow(name="daily-sweep", log_prints=True)
def daily_sweep(now: datetime | None = None, batch_size: int = 500) -> dict[str, Any]:
    """Find CoPs with something due; per batch, open due reviews and queue what is owed; then deliver."""
    now = now or datetime.now(UTC)
    now = now if now.tzinfo else now.replace(tzinfo=UTC)  # the one clock type below: an aware datetime
    now_iso = now.isoformat()
    plan = plan_sweep(now, batch_size)
    batches = plan.batches
    results = sweep_cop_batch.map(batches, now=now).result() if batches else []
    counts = SweepCounts()
    for r in results:
        counts = counts.add(r)
    totals: dict[str, Any] = asdict(counts)
    evaluated = [e for group in plan.evaluations for e in evaluate_reviews(group, now)]
    totals["evaluated"] = [f"{e.slug} ({e.recommendation})" for e in evaluated]
    closures = [archive_and_close(slug, now) for slug in plan.closures]
    totals["closed"] = [c.slug for c in closures]
    # What needs attention is read while the mail goes out: the two do not depend on each other, and Prefect's
    # per-task orchestration (API round trips) overlaps with the delivery's work instead of adding to it.
    attention = publish_attention.submit(now)
    delivery = deliver_outbox(now)
    attention.result()
    purged = purge_old_mail(now)  # after delivery: what was sent today is never what is purged
    summary = {**totals, "batches": len(batches), "sent": delivery.sent, "retried": delivery.retried,
               "parked": delivery.parked, "waiting": delivery.waiting, "mail_purged": purged.purged,
               "attachments_purged": purged.attachments, "parked_kept": purged.parked_kept,
               "retention_days": purged.retention_days}
    markdown = sweep_markdown(now_iso, summary, [asdict(e) for e in evaluated], [asdict(c) for c in closures],
                              asdict(delivery), ui_url())
    create_markdown_artifact(key="copflow-sweep", markdown=markdown,
                             description="What the daily sweep opened, queued, escalated, sent and failed to send")
    print(f"sweep {now_iso[:10]}: {summary}")
    return summary


if __name__ == "__main__":
    daily_sweep()
