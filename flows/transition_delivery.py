"""Delivering what a transition queued, in server mode: triggered by `copflow.stage.entered` (prefect.yaml).

The transition itself already wrote, in its own transaction, the notices and the invitation series that the
new stage needs; this flow delivers them with the same call an embedded run makes in-process
(copflow/services/delivery.py:deliver_with_settings) and refreshes the portfolio, so the OD manager sees the run.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from tasks.outbox import deliver_outbox
from tasks.portfolio import publish_portfolio


@flow(name="transition-delivery", flow_run_name="transition-delivery {slug}", log_prints=True)
def transition_delivery(slug: str, stage: str | None = None, gate: str | None = None) -> dict[str, Any]:
    now = datetime.now(UTC)
    delivery = deliver_outbox(now)
    publish_portfolio(now)
    create_markdown_artifact(
        key=f"copflow-gate-{slug}",
        markdown=f"# {slug}: {gate or 'gate'} passed → {stage or '?'}\n\n"
                 f"Delivered {delivery.sent} message(s); {delivery.retried} to retry, "
                 f"{delivery.parked} parked.\n",
        description=f"What followed the latest gate of {slug}")
    print(f"{slug} entered {stage}: sent {delivery.sent}")
    return {"slug": slug, "stage": stage, **asdict(delivery)}


if __name__ == "__main__":
    transition_delivery("example")
