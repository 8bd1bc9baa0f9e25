"""Evaluate one CoP's review now (the daily sweep does it when the survey window closes): metrics, report,
artifact, and mail to the leads, sponsor and OD manager."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from prefect import flow

from tasks.evaluation import evaluate_reviews


@flow(name="review-evaluation", flow_run_name="review-evaluation {slug}", log_prints=True)
def review_evaluation(slug: str) -> dict[str, Any]:
    result = evaluate_reviews([slug], datetime.now(UTC))[0]
    print(f"{slug}: recommends {result.recommendation}; report {result.report or 'not written'}")
    return asdict(result)


if __name__ == "__main__":
    review_evaluation("example")
