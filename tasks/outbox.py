"""Task that delivers the outbox over one connection per batch, at the relay's pace."""

from __future__ import annotations

from datetime import datetime, timedelta

from prefect import task

from copflow.services.mail.delivery import DeliveryReport, deliver_with_settings
from copflow.services.sweep.step_calls import DELIVERY_MINUTES
from tasks.common import settings

RUN_MINUTES = DELIVERY_MINUTES  # a run stops after this long and leaves the rest to the next


@task(name="deliver-outbox", retries=3, retry_delay_seconds=[10, 60, 300])
def deliver_outbox(now: datetime, batch_size: int = 200, max_minutes: float | None = RUN_MINUTES) -> DeliveryReport:
    """Send due outbox rows for up to `max_minutes` (the same call embedded runs make in-process); temporary
    failures are rescheduled by the service, throttled mail waits for the next run, nothing is lost."""
    run_for = timedelta(minutes=max_minutes) if max_minutes else None
    return deliver_with_settings(settings(), now=now, batch_size=batch_size, run_for=run_for)  # as embedded runs do
