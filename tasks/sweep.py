"""Tasks of the daily sweep: find the due CoPs (one task), then one task per batch of them."""

from __future__ import annotations

from dataclasses import asdict

from prefect import task

from copflow.services.sweep import due_cop_batches, sweep_batch
from tasks.common import parse_now, settings, uow
from tasks.events import emit


@task(name="find-due-cops", retries=2, retry_delay_seconds=10)
def find_due_cops(now_iso: str, batch_size: int = 500) -> list[list[int]]:
    """Ids of CoPs with something due, read from the indexed due-date column, in batches."""
    s = settings()
    return due_cop_batches(uow(), now=parse_now(now_iso), policy=s.policy(), batch_size=batch_size)


@task(name="sweep-batch", retries=2, retry_delay_seconds=10)
def sweep_cop_batch(cop_ids: list[int], now_iso: str) -> dict[str, int]:
    """Open due reviews and queue reminders/escalations for one batch, in one transaction."""
    s = settings()
    counts = sweep_batch(uow(), cop_ids, now=parse_now(now_iso), policy=s.policy(), od_manager=s.od_manager_email)
    for slug in counts.opened:  # after commit: the review-decision deployment triggers on this
        emit("copflow.review.opened", slug, {"stage": "reviewing"})
    return asdict(counts)
