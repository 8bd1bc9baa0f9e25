"""Task of the daily sweep that purges sent mail past the policy's retention period."""

from __future__ import annotations

from datetime import datetime

from prefect import task

from copflow.services.privacy.retention import PurgeCounts
from tasks.common import steps


@task(name="purge-old-mail", retries=2, retry_delay_seconds=10)
def purge_old_mail(now: datetime) -> PurgeCounts:
    """Remove the content of mail sent more than mail_retention_days ago (keys, kinds, times stay)."""
    return steps().purge(now)
