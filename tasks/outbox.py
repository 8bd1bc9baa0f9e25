"""Task that delivers the outbox over one connection per batch."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import task

from copflow.runs import deliver_queued
from tasks.common import parse_now, settings


@task(name="deliver-outbox", retries=3, retry_delay_seconds=[10, 60, 300])
def deliver_outbox(now_iso: str, batch_size: int = 200) -> dict[str, Any]:
    """Send every due outbox row (the same call embedded runs make in-process); temporary failures are
    rescheduled by the service, not lost."""
    return asdict(deliver_queued(settings(), now=parse_now(now_iso), batch_size=batch_size))
