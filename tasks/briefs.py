"""Task of the daily sweep that queues the check-in agendas and sponsor briefs owed today."""

from __future__ import annotations

from datetime import datetime

from prefect import task

from copflow.services.briefs.queue import BriefCounts
from tasks.common import steps


@task(name="meeting-briefs", retries=2, retry_delay_seconds=10)
def meeting_briefs(now: datetime) -> BriefCounts:
    """Agendas to each core group before its check-in, briefs to sponsor and leads before a catch-up (keyed by
    occurrence and recipient: a retry or a second sweep queues nothing twice)."""
    return steps().briefs(now)
