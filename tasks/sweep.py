"""Tasks of the daily sweep: plan what is due (one task), then one task per batch of due CoPs."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from prefect import task

from copflow.runs import announce
from copflow.services.sweep.due_work import SweepCounts
from copflow.services.sweep.step_calls import SweepPlan
from tasks.common import steps


@task(name="plan-sweep", retries=2, retry_delay_seconds=10)
def plan_sweep(now: datetime, batch_size: int = 500) -> SweepPlan:
    """What today's sweep must do, in three indexed reads (one task run, whatever the portfolio's size):
    the ids of CoPs with something due, in batches; the reviews whose survey window has closed, in batches;
    the CoPs whose closing date has come."""
    return steps().plan(now, batch_size)


@task(name="sweep-batch", retries=2, retry_delay_seconds=10)
def sweep_cop_batch(cop_ids: list[int], now: datetime) -> SweepCounts:
    """Open due reviews and queue reminders/escalations for one batch, in one transaction."""
    counts = steps().sweep_batch(cop_ids, now)
    for opened in counts.transitions:  # after commit: the review-decision deployment triggers on review.opened
        announce(opened.slug, opened.events)
    return replace(counts, transitions=[])  # announced: the sweep's summary carries counts, not events
