"""Tasks that evaluate reviews whose survey window has closed, and publish each report as an artifact."""

from __future__ import annotations

from datetime import datetime

from prefect import task
from prefect.artifacts import create_markdown_artifact

from copflow.runs import announce
from copflow.services.sweep.step_calls import EvaluatedReview
from lifecycle import Stage
from lifecycle.events import evaluation_ready
from tasks.common import steps


@task(name="evaluate-reviews", retries=1, retry_delay_seconds=30)
def evaluate_reviews(slugs: list[str], now: datetime) -> list[EvaluatedReview]:
    """Compute, store and publish each CoP's evaluation; tell its leads, sponsor and OD manager."""
    out = []
    for slug in slugs:
        evaluated, r = steps().evaluate_one(slug, now)
        create_markdown_artifact(key=f"copflow-evaluation-{slug}", markdown=r.markdown,
                                 description=f"Evaluation of {slug}: recommends {evaluated.recommendation}")
        announce(slug, [evaluation_ready(Stage.REVIEWING, evaluated.recommendation)])
        out.append(evaluated)
    return out
