"""The daily sweep's steps, in their order, once. The `daily-sweep` flow runs each in its Prefect task; the
benchmark's services baseline (bench/child.py) calls the same services without Prefect (`ServiceSteps`). Both go
through `run_sweep`, so the two cannot drift apart, and both come back with each step's time: the flow's artifact
and the benchmark's rows say which part of the morning's run took it.

The order matters: reminders are computed from the state after today's closures, evaluations and review
openings, so the sweep never announces what it is about to do itself (no "archive late" for a CoP it closes a
moment later); the digest follows the delivery (it names mail the relay refused), and the purge comes last (what
was sent today is never what is purged).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from copflow.services.actions.reminders import ActionReminders
from copflow.services.archiving import ClosureResult
from copflow.services.briefs.queue import BriefCounts
from copflow.services.mail.delivery import DeliveryReport
from copflow.services.mail.digest import Digest
from copflow.services.privacy.retention import PurgeCounts
from copflow.services.sweep.due_work import SweepCounts
from copflow.services.sweep.missing_documents import Resent
from copflow.services.sweep.step_calls import EvaluatedReview, SweepPlan
from notifications.vocabulary import plural


class Step(StrEnum):
    """A step of the daily sweep, by the name its timing is reported under."""

    PLAN = "plan"  # what is due: CoPs (by next_due_on), reviews to evaluate, closures
    CLOSE = "close"  # archive and close the CoPs whose closing date has come
    EVALUATE = "evaluate"  # evaluate the reviews whose survey window has closed
    DOCUMENTS = "documents"  # make and send the documents still owed (a report's PDF that failed before)
    REMINDERS = "reminders"  # open due reviews; gate reminders and escalations, in batches of due CoPs
    ACTION_REMINDERS = "action reminders"  # owners of actions due soon or today
    BRIEFS = "agendas and briefs"  # check-in agendas and sponsor briefs owed today
    ATTENTION = "attention"  # what needs attention, and the CoPs per stage
    DELIVER = "deliver"  # send the outbox
    DIGEST = "digest"  # the OD manager's digest
    DELIVER_DIGEST = "deliver the digest"  # send it (nothing to do when no digest was queued)
    PURGE = "purge"  # remove the content of mail sent before the retention period


SWEEP_STEPS: tuple[Step, ...] = tuple(Step)


class SweepSteps(Protocol):
    """What each step does; `run_sweep` decides the order and passes each step what it needs."""

    def plan(self, now: datetime, batch_size: int) -> SweepPlan: ...

    def close(self, slugs: list[str], now: datetime) -> tuple[list[ClosureResult], dict[str, str]]: ...

    def evaluate(self, groups: list[list[str]], now: datetime) -> list[EvaluatedReview]: ...

    def documents(self, now: datetime) -> Resent: ...

    def reminders(self, batches: list[list[int]], now: datetime) -> SweepCounts: ...

    def action_reminders(self, now: datetime) -> ActionReminders: ...

    def briefs(self, now: datetime) -> BriefCounts: ...

    def attention(self, now: datetime) -> int: ...

    def deliver(self, now: datetime) -> DeliveryReport: ...

    def digest(self, now: datetime, counts: SweepCounts, closures: list[ClosureResult], failures: dict[str, str],
               delivery: DeliveryReport) -> Digest: ...

    def purge(self, now: datetime) -> PurgeCounts: ...


@dataclass(frozen=True)
class StepTime:
    step: str
    did: str  # what it did, in a few words
    seconds: float


@dataclass
class SweepOutcome:
    """Every step's result, and each step's time."""

    plan: SweepPlan
    closures: list[ClosureResult]
    failures: dict[str, str]
    evaluated: list[EvaluatedReview]
    resent: Resent
    counts: SweepCounts
    reminded: ActionReminders
    briefs: BriefCounts
    attention: int
    delivery: DeliveryReport
    digest: Digest
    after: DeliveryReport | None  # the digest's delivery (None: no digest was queued)
    purged: PurgeCounts
    steps: list[StepTime] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """What the flow returns (and `copflow sweep` prints): the counts, plain values only."""
        after = self.after or DeliveryReport()
        # The reviews opened are announced by their task (events, not counts): the summary keeps the counts.
        return {**asdict(replace(self.counts, transitions=[])), "agendas_queued": self.briefs.agendas,
                "briefs_queued": self.briefs.briefs, "prepared": self.briefs.meetings,
                "prepared_for": self.briefs.cops,
                "action_reminders": self.reminded.queued,
                "evaluated": [f"{e.slug} ({e.recommendation})" for e in self.evaluated],
                "closed": [c.slug for c in self.closures], "archive_failed": self.failures,
                "documents_sent": self.resent.sent, "documents_still_missing": self.resent.failed,
                "attention": self.attention,
                "batches": len(self.plan.batches), "sent": self.delivery.sent + after.sent,
                "retried": self.delivery.retried + after.retried, "parked": self.delivery.parked + after.parked,
                "waiting": after.waiting if self.after else self.delivery.waiting, "digest": self.digest.queued,
                "mail_purged": self.purged.purged, "attachments_purged": self.purged.attachments,
                "parked_kept": self.purged.parked_kept, "retention_days": self.purged.retention_days,
                "steps": [asdict(s) for s in self.steps]}


R = TypeVar("R")


class _Timed:
    def __init__(self, on_step: Callable[[Step], None] | None) -> None:
        self.steps: list[StepTime] = []
        self.on_step = on_step

    def run(self, step: Step, call: Callable[[], R], did: Callable[[R], str]) -> R:
        if self.on_step is not None:
            self.on_step(step)
        started = time.perf_counter()
        result = call()
        self.steps.append(StepTime(step.value, did(result), time.perf_counter() - started))
        return result


def run_sweep(steps: SweepSteps, now: datetime, *, batch_size: int = 500, log: Any = None,
              on_step: Callable[[Step], None] | None = None) -> SweepOutcome:
    """Run every step of SWEEP_STEPS in its order, timing each; `on_step` is told as each begins."""
    log = log or logging.getLogger("copflow.sweep")
    t = _Timed(on_step)
    plan = t.run(Step.PLAN, lambda: steps.plan(now, batch_size),
                 lambda p: f"{plural(p.cops, 'CoP')} due in {plural(len(p.batches), 'batch', 'batches')}; "
                           f"{plural(sum(len(g) for g in p.evaluations), 'review')} to evaluate; "
                           f"{plural(len(p.closures), 'closure')}")
    closures, failures = t.run(Step.CLOSE, lambda: steps.close(plan.closures, now),
                               lambda r: f"{len(r[0])} closed, {len(r[1])} failed")
    evaluated = t.run(Step.EVALUATE, lambda: steps.evaluate(plan.evaluations, now),
                      lambda r: f"{plural(len(r), 'review')} evaluated")
    for e in evaluated:
        log.info("evaluated %s: recommends %s", e.slug, e.recommendation)
    resent = t.run(Step.DOCUMENTS, lambda: steps.documents(now),
                   lambda r: f"{plural(len(r.sent), 'document')} sent, {len(r.failed)} still missing")
    counts = t.run(Step.REMINDERS, lambda: steps.reminders(plan.batches, now),
                   lambda c: f"{plural(c.reviews_opened, 'review')} opened, {plural(c.notices_queued, 'reminder')} "
                             f"queued ({c.escalations_queued} to sponsors)")
    log.info("opened %d review(s), queued %d reminder(s) (%d to sponsors); %d overdue item(s) for the OD manager",
             counts.reviews_opened, counts.notices_queued, counts.escalations_queued, len(counts.attention))
    reminded = t.run(Step.ACTION_REMINDERS, lambda: steps.action_reminders(now),
                     lambda r: f"{plural(r.queued, 'reminder')} queued; {plural(r.looked_at, 'action')} due soon")
    log.info("queued %d action reminder(s)", reminded.queued)
    briefs = t.run(Step.BRIEFS, lambda: steps.briefs(now),
                   lambda b: f"{plural(b.agendas, 'agenda')}, {plural(b.briefs, 'brief')} queued "
                             f"for {plural(len(b.meetings), 'meeting')}")
    attention = t.run(Step.ATTENTION, lambda: steps.attention(now), lambda n: f"{plural(n, 'CoP')} listed")
    delivery = t.run(Step.DELIVER, lambda: steps.deliver(now), _delivered)
    log.info("sent %d message(s); %d to retry; %d refused; %d waiting", delivery.sent, delivery.retried,
             delivery.parked, delivery.waiting)
    digest = t.run(Step.DIGEST, lambda: steps.digest(now, counts, closures, failures, delivery),
                   lambda d: "queued" if d.queued else "nothing new to send")
    after = t.run(Step.DELIVER_DIGEST, lambda: steps.deliver(now) if digest.queued else None,
                  lambda r: _delivered(r) if r else "no digest to send")
    log.info("the OD manager's digest: %s", "sent" if after and after.sent else "queued" if digest.queued
             else "nothing new to send")
    purged = t.run(Step.PURGE, lambda: steps.purge(now),
                   lambda p: f"{plural(p.purged, 'message')} purged ({p.retention_days} days kept)")
    return SweepOutcome(plan, closures, failures, evaluated, resent, counts, reminded, briefs, attention, delivery,
                        digest, after, purged, t.steps)


def _delivered(r: DeliveryReport) -> str:
    return f"{r.sent} sent, {r.retried} to retry, {r.parked} refused, {r.waiting} waiting"
