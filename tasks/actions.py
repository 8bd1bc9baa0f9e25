"""Task of the daily sweep that reminds action owners of what is due soon or today."""

from __future__ import annotations

from datetime import datetime

from prefect import task

from copflow.services.actions.reminders import ActionReminders, remind_owners
from tasks.common import settings, uow


@task(name="remind-action-owners", retries=2, retry_delay_seconds=10)
def remind_action_owners(now: datetime) -> ActionReminders:
    """Queue the owner reminders owed today (policy action_reminder_days), in one transaction; never escalated."""
    s = settings()
    return remind_owners(uow(), now=now, policy=s.policy(), web_url=s.web_url)
