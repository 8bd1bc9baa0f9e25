"""Task of the daily sweep that makes and sends the documents still owed (a report's PDF, a lessons draft that
could not be made when its mail went): one task run, whatever the number owed."""

from __future__ import annotations

from datetime import datetime

from prefect import task

from copflow.services.sweep.missing_documents import Resent
from tasks.common import steps


@task(name="send-missing-documents", retries=1, retry_delay_seconds=10)
def send_missing_documents(now: datetime) -> Resent:
    """Make each owed document again and queue it; one that fails again stays owed (the digest lists it)."""
    return steps().documents(now)
