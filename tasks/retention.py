"""Task of the daily sweep that purges sent mail past the policy's retention period."""

from __future__ import annotations

from prefect import task

from copflow.services.privacy.retention import purge_sent_mail
from tasks.common import parse_now, settings, uow


@task(name="purge-old-mail", retries=2, retry_delay_seconds=10)
def purge_old_mail(now_iso: str) -> dict[str, int]:
    """Remove the content of mail sent more than mail_retention_days ago (keys, kinds, times stay)."""
    return purge_sent_mail(uow(), now=parse_now(now_iso), policy=settings().policy()).as_dict()
