"""Task that writes the OD manager's daily digest from what the sweep did (one mail per sweep)."""

from __future__ import annotations

from datetime import datetime

from prefect import task

from copflow.services.archiving import ClosureResult
from copflow.services.mail.delivery import DeliveryReport
from copflow.services.mail.digest import Digest
from copflow.services.sweep.due_work import SweepCounts
from tasks.common import steps


@task(name="od-digest", retries=1, retry_delay_seconds=10)
def od_digest(now: datetime, counts: SweepCounts, closures: list[ClosureResult], failures: dict[str, str],
              delivery: DeliveryReport, run_url: str | None = None, artifacts_url: str | None = None) -> Digest:
    """Build the digest (the sweep artifact is written from the same value) and queue it for the OD manager."""
    return steps().digest(now, counts, closures, failures, delivery, run_url=run_url, artifacts_url=artifacts_url)
