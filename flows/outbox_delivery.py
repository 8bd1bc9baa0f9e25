"""Deliver pending outbox messages (run on an interval, and after gates in server mode)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from prefect import flow

from tasks.outbox import deliver_outbox


@flow(name="deliver-outbox", log_prints=True)
def outbox_delivery(batch_size: int = 200) -> dict[str, Any]:
    report = deliver_outbox(datetime.now(UTC), batch_size)
    print(f"sent {report.sent}, retried {report.retried}, parked {report.parked}")
    return asdict(report)


if __name__ == "__main__":
    outbox_delivery()
