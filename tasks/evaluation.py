"""Tasks that evaluate reviews whose survey window has closed, and publish each report as an artifact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from prefect import task
from prefect.artifacts import create_markdown_artifact

from copflow.runs import announce
from copflow.services.evaluation import evaluate_cop
from lifecycle import Stage
from lifecycle.events import evaluation_ready
from tasks.common import settings, uow


@dataclass(frozen=True)
class EvaluatedReview:
    """One review evaluated: what it recommends and why, where its report is (None: no report written)."""

    slug: str
    name: str
    recommendation: str
    reasons: tuple[str, ...]
    report: str | None
    messages: int


@task(name="evaluate-reviews", retries=1, retry_delay_seconds=30)
def evaluate_reviews(slugs: list[str], now: datetime) -> list[EvaluatedReview]:
    """Compute, store and publish each CoP's evaluation; tell its leads, sponsor and OD manager."""
    s = settings()
    out = []
    for slug in slugs:
        r = evaluate_cop(uow(), slug=slug, now=now, policy=s.policy(), reports_dir=s.reports_dir,
                         od_manager=s.od_manager_email)
        rec = r.evaluation.recommendation
        create_markdown_artifact(key=f"copflow-evaluation-{slug}", markdown=r.markdown,
                                 description=f"Evaluation of {slug}: recommends {rec.decision}")
        report = str(r.html_path) if r.html_path is not None else None
        announce(slug, [evaluation_ready(Stage.REVIEWING, rec.decision)])
        out.append(EvaluatedReview(slug, r.evaluation.name, rec.decision, tuple(rec.reasons), report,
                                   r.messages_queued))
    return out
