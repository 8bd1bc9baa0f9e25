"""Tasks that evaluate reviews whose survey window has closed, and publish each report as an artifact."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact

from copflow.services.evaluation import evaluate_cop
from tasks.common import parse_now, settings, uow
from tasks.events import emit


@task(name="evaluate-reviews", retries=1, retry_delay_seconds=30)
def evaluate_reviews(slugs: list[str], now_iso: str) -> list[dict[str, Any]]:
    """Compute, store and publish each CoP's evaluation; tell its leads, sponsor and OD manager."""
    s = settings()
    out = []
    for slug in slugs:
        r = evaluate_cop(uow(), slug=slug, now=parse_now(now_iso), policy=s.policy(), reports_dir=s.reports_dir,
                         od_manager=s.od_manager_email)
        rec = r.evaluation.recommendation
        create_markdown_artifact(key=f"copflow-evaluation-{slug}", markdown=r.markdown,
                                 description=f"Evaluation of {slug}: recommends {rec.decision}")
        emit("copflow.evaluation.ready", slug, {"recommendation": rec.decision, "report": str(r.html_path)})
        out.append({"slug": slug, "name": r.evaluation.name, "recommendation": rec.decision,
                    "reasons": list(rec.reasons), "report": str(r.html_path), "messages": r.messages_queued})
    return out
