"""Read the programme's mailbox: replies, RSVPs and bounces (every 5 minutes in server mode)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from prefect import flow

from tasks.inbox_reading import read_mailbox_once


@flow(name="read-mailbox", log_prints=True)
def mailbox_reading(limit: int = 500) -> dict[str, Any]:
    summary = read_mailbox_once(datetime.now(UTC), limit)
    print(f"read {summary.read} from {summary.where}: processed {summary.processed}, ignored {summary.ignored}, "
          f"quarantined {summary.quarantined}")
    return asdict(summary)


if __name__ == "__main__":
    mailbox_reading()
