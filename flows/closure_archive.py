"""Archive a closing CoP now (the daily sweep does it on the closing date; this runs it by hand)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from prefect import flow

from tasks.closure import archive_and_close


@flow(name="closure-archive", flow_run_name="closure-archive {slug}", log_prints=True)
def closure_archive(slug: str) -> dict[str, Any]:
    result = archive_and_close(slug, datetime.now(UTC))
    print(f"{slug}: {'already closed' if result.already_closed else 'archived and closed'}: {result.path}")
    return asdict(result)


if __name__ == "__main__":
    closure_archive("example")
