"""Task that reads the programme's mailbox once (copflow/services/inbox/)."""

from __future__ import annotations

from datetime import datetime

from prefect import task

from copflow.services.inbox.read import ReadSummary, read_with_settings
from tasks.common import settings


@task(name="read-mailbox", retries=2, retry_delay_seconds=[30, 120])
def read_mailbox_once(now: datetime, limit: int = 500) -> ReadSummary:
    """Read up to `limit` waiting messages, each once by its Message-ID; a retry after a dropped connection
    re-reads nothing that was recorded (the same call `copflow mail read` makes)."""
    return read_with_settings(settings(), now=now, limit=limit)
