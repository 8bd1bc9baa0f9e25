"""The daily sweep's steps as plain service calls, configured by the settings: what each of the `daily-sweep`
flow's tasks calls on its worker, and what the benchmark's services baseline (bench/child.py) runs without
Prefect. `copflow.services.sweep.steps.run_sweep` runs them in their order."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import PurePath

from copflow.db.uow import UnitOfWork
from copflow.services.actions.reminders import ActionReminders, remind_owners
from copflow.services.archiving import ClosureResult, close_cop, due_closures
from copflow.services.briefs.queue import BriefCounts, queue_briefs
from copflow.services.closing.lessons import only_drafted
from copflow.services.document_failures import missing_documents
from copflow.services.evaluation.review_report import EvaluationOutcome, due_evaluations, evaluate_cop
from copflow.services.mail.delivery import DeliveryReport, deliver_with_settings
from copflow.services.mail.digest import (
    Digest,
    bouncing_addresses,
    cop_names,
    group_escalations,
    send_digest,
    waiting_reviews,
)
from copflow.services.portfolio import PortfolioRow, portfolio, stage_counts
from copflow.services.privacy.retention import PurgeCounts, purge_sent_mail
from copflow.services.sweep.due_work import SweepCounts, due_cop_batches, sweep_batch
from copflow.services.sweep.missing_documents import Resent, send_missing
from copflow.settings import Settings

# A delivery run stops after this long and leaves the rest to the next (the outbox deployment runs every 5
# minutes, one at a time).
DELIVERY_MINUTES = 4.5


@dataclass(frozen=True)
class SweepPlan:
    """What today's sweep must do: CoP ids with something due, in batches; reviews to evaluate, in batches;
    the slugs of CoPs whose closing date has come."""

    batches: list[list[int]]
    evaluations: list[list[str]]
    closures: list[str]

    @property
    def cops(self) -> int:
        return sum(len(b) for b in self.batches)


@dataclass(frozen=True)
class EvaluatedReview:
    """One review evaluated: what it recommends and why, where its report is (None: no report written)."""

    slug: str
    name: str
    recommendation: str
    reasons: tuple[str, ...]
    report: str | None
    messages: int


def failure_reason(exc: BaseException) -> str:
    """The first line of what went wrong (a folder not writable, a bad checksum), for the digest."""
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


class ServiceSteps:
    """One method per step of the sweep (copflow.services.sweep.steps.SweepSteps), each a unit of work of its own."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.policy = settings.policy()

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.settings.database_url)

    def plan(self, now: datetime, batch_size: int, evaluation_batch: int = 50) -> SweepPlan:
        """Three indexed reads, whatever the portfolio's size: CoPs with something due, reviews whose survey
        window has closed, CoPs whose closing date has come."""
        evaluations = due_evaluations(self.uow(), now=now, policy=self.policy)
        return SweepPlan(batches=due_cop_batches(self.uow(), now=now, policy=self.policy, batch_size=batch_size),
                         evaluations=[evaluations[i:i + evaluation_batch]
                                      for i in range(0, len(evaluations), evaluation_batch)],
                         closures=due_closures(self.uow(), now=now, policy=self.policy))

    def close_one(self, slug: str, now: datetime) -> ClosureResult:
        s = self.settings
        return close_cop(self.uow(), slug=slug, now=now, policy=self.policy, archive_dir=s.archive_dir,
                         od_manager=s.od_manager_email)

    def close(self, slugs: list[str], now: datetime) -> tuple[list[ClosureResult], dict[str, str]]:
        """Archive and close each CoP; a failure is kept with its reason for the digest (tomorrow tries again)."""
        closures: list[ClosureResult] = []
        failures: dict[str, str] = {}
        for slug in slugs:
            try:
                closures.append(self.close_one(slug, now))
            except Exception as exc:  # one CoP's archive failing holds up no other, nor the rest of the sweep
                failures[slug] = failure_reason(exc)
        return closures, failures

    def evaluate_one(self, slug: str, now: datetime) -> tuple[EvaluatedReview, EvaluationOutcome]:
        s = self.settings
        r = evaluate_cop(self.uow(), slug=slug, now=now, policy=self.policy, reports_dir=s.reports_dir,
                         od_manager=s.od_manager_email)
        rec = r.evaluation.recommendation
        report = str(r.html_path) if r.html_path is not None else None
        return EvaluatedReview(slug, r.evaluation.name, rec.decision, tuple(rec.reasons), report,
                               r.messages_queued), r

    def evaluate(self, groups: list[list[str]], now: datetime) -> list[EvaluatedReview]:
        return [self.evaluate_one(slug, now)[0] for group in groups for slug in group]

    def documents(self, now: datetime) -> Resent:
        """Make each document still owed (a report's PDF that failed before) and queue it; one that fails again
        stays owed (the digest lists it)."""
        s = self.settings
        return send_missing(self.uow(), now=now, od_manager=s.od_manager_email, reports_dir=s.reports_dir,
                            policy=self.policy)

    def sweep_batch(self, cop_ids: list[int], now: datetime) -> SweepCounts:
        """Open due reviews and queue reminders and escalations for one batch, in one transaction."""
        return sweep_batch(self.uow(), cop_ids, now=now, policy=self.policy, od_manager=self.settings.od_manager_email)

    def reminders(self, batches: list[list[int]], now: datetime) -> SweepCounts:
        counts = SweepCounts()
        for batch in batches:
            counts = counts.add(self.sweep_batch(batch, now))
        return counts

    def action_reminders(self, now: datetime) -> ActionReminders:
        return remind_owners(self.uow(), now=now, policy=self.policy, web_url=self.settings.web_url)

    def briefs(self, now: datetime) -> BriefCounts:
        return queue_briefs(self.uow(), now=now, policy=self.policy, od_manager=self.settings.od_manager_email)

    def attention_rows(self, now: datetime) -> tuple[list[PortfolioRow], dict[str, int]]:
        """The CoPs with something due soon or overdue (through the due-date index), and the count per stage."""
        return (portfolio(self.uow(), now=now, policy=self.policy, attention_only=True), stage_counts(self.uow()))

    def attention(self, now: datetime) -> int:
        return len(self.attention_rows(now)[0])

    def deliver(self, now: datetime) -> DeliveryReport:
        return deliver_with_settings(self.settings, now=now, batch_size=200,
                                     run_for=timedelta(minutes=DELIVERY_MINUTES))

    def digest(self, now: datetime, counts: SweepCounts, closures: list[ClosureResult], failures: dict[str, str],
               delivery: DeliveryReport, *, run_url: str | None = None, artifacts_url: str | None = None) -> Digest:
        """Build the OD manager's digest (the sweep's artifact is written from the same value) and queue it."""
        policy = self.policy
        reviews, no_survey = waiting_reviews(self.uow(), now=now, policy=policy)
        names = cop_names(self.uow(), [c.slug for c in closures] + list(failures))
        drafts_only = only_drafted(self.uow(), [c.slug for c in closures])
        waiting = delivery.waiting
        digest = Digest(on=now.astimezone(policy.zone()).date().isoformat(),
                        escalations=group_escalations(counts.attention, failures), reviews=reviews,
                        no_survey=no_survey,
                        closed=[{"slug": c.slug, "name": names.get(c.slug, c.slug), "archive": PurePath(c.path).name,
                                 "closed_on": c.closed_on or None, "lessons_draft_only": c.slug in drafts_only}
                                for c in closures],
                        archive_failed=[{"slug": slug, "name": names.get(slug, slug), "reason": reason}
                                        for slug, reason in failures.items()],
                        parked=delivery.parked_messages, posts_parked=delivery.posts.parked_posts,
                        documents_missing=[asdict(d) for d in missing_documents(self.uow())],
                        bouncing=bouncing_addresses(self.uow()),
                        run_url=run_url, artifacts_url=artifacts_url, mail_waiting=waiting,
                        mail_clears=_clears_words(delivery.clears_at, policy.zone()) if waiting else None)
        digest.queued = send_digest(self.uow(), digest, to=self.settings.od_manager_email, now=now, policy=policy)
        return digest

    def purge(self, now: datetime) -> PurgeCounts:
        return purge_sent_mail(self.uow(), now=now, policy=self.policy)


def _clears_words(clears_at: str | None, zone: tzinfo) -> str | None:
    from notifications.vocabulary import long_date

    if not clears_at:
        return None
    at = datetime.fromisoformat(clears_at).astimezone(zone)
    return f"{long_date(at)}, {at:%H:%M}"
