"""Task of the daily sweep that reminds action owners of what is due soon or today."""

from __future__ import annotations

from datetime import datetime

from prefect import task

from copflow.services.actions.reminders import ActionReminders
from tasks.common import steps


@task(name="remind-action-owners", retries=2, retry_delay_seconds=10)
def remind_action_owners(now: datetime) -> ActionReminders:
    """Queue the owner reminders owed today (policy action_reminder_days), in one transaction; never escalated."""
    return steps().action_reminders(now)
