"""Task that delivers the outbox over one connection per batch."""

from __future__ import annotations

from datetime import datetime

from prefect import task

from copflow.services.delivery import DeliveryReport, deliver_with_settings
from tasks.common import settings


@task(name="deliver-outbox", retries=3, retry_delay_seconds=[10, 60, 300])
def deliver_outbox(now: datetime, batch_size: int = 200) -> DeliveryReport:
    """Send every due outbox row; temporary failures are rescheduled by the service, not lost."""
    return deliver_with_settings(settings(), now=now, batch_size=batch_size)
