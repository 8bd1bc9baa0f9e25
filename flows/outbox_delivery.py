"""Deliver pending outbox messages (run on an interval, and after gates in server mode)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from prefect import flow

from lifecycle import CopflowError
from tasks.outbox import RUN_MINUTES, deliver_outbox


class MailNotSent(CopflowError):
    """The relay refused copflow's login (password or OAuth 2.0 token): nothing can go until settings change."""


@flow(name="deliver-outbox", log_prints=True)
def outbox_delivery(batch_size: int = 200, max_minutes: float = RUN_MINUTES) -> dict[str, Any]:
    report = deliver_outbox(datetime.now(UTC), batch_size, max_minutes)
    waiting = f", {report.waiting} waiting (all sent by {(report.clears_at or '')[:16]} UTC)" if report.waiting else ""
    print(f"sent {report.sent}, retried {report.retried}, parked {report.parked}{waiting}")
    if report.login_refused:
        raise MailNotSent(report.errors[-1])  # a failed run, in red, with the one line that says why
    return asdict(report)


if __name__ == "__main__":
    outbox_delivery()
