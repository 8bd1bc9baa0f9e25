"""Tasks of the daily sweep: plan what is due (one task), then one task per batch of due CoPs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from prefect import task

from copflow.runs import announce
from copflow.services.archiving import due_closures
from copflow.services.evaluation import due_evaluations
from copflow.services.sweep import SweepCounts, due_cop_batches, sweep_batch
from tasks.common import settings, uow


@dataclass(frozen=True)
class SweepPlan:
    """What today's sweep must do: CoP ids with something due, in batches; reviews to evaluate, in batches;
    the slugs of CoPs whose closing date has come."""

    batches: list[list[int]]
    evaluations: list[list[str]]
    closures: list[str]


@task(name="plan-sweep", retries=2, retry_delay_seconds=10)
def plan_sweep(now: datetime, batch_size: int = 500, evaluation_batch: int = 50) -> SweepPlan:
    """What today's sweep must do, in three indexed reads (one task run, whatever the portfolio's size):
    the ids of CoPs with something due, in batches; the reviews whose survey window has closed, in batches;
    the CoPs whose closing date has come."""
    policy = settings().policy()
    evaluations = due_evaluations(uow(), now=now, policy=policy)
    return SweepPlan(batches=due_cop_batches(uow(), now=now, policy=policy, batch_size=batch_size),
                     evaluations=[evaluations[i:i + evaluation_batch]
                                  for i in range(0, len(evaluations), evaluation_batch)],
                     closures=due_closures(uow(), now=now, policy=policy))


@task(name="sweep-batch", retries=2, retry_delay_seconds=10)
def sweep_cop_batch(cop_ids: list[int], now: datetime) -> SweepCounts:
    """Open due reviews and queue reminders/escalations for one batch, in one transaction."""
    s = settings()
    counts = sweep_batch(uow(), cop_ids, now=now, policy=s.policy(), od_manager=s.od_manager_email)
    for opened in counts.transitions:  # after commit: the review-decision deployment triggers on review.opened
        announce(opened.slug, opened.events)
    return replace(counts, transitions=[])  # announced: the sweep's summary carries counts, not events
