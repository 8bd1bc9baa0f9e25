"""A typed form in the Prefect UI for leads and OD managers: record a gate's evidence, and advance."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from prefect import flow

from lifecycle import Gate
from tasks.gates import advance_cop, record_gate_evidence

GateName = Enum("GateName", {g.name: g.value for g in Gate if g is not Gate.REVIEW_DUE}, type=str)  # type: ignore[misc]


@flow(name="record-gate", flow_run_name="record-gate {slug}", log_prints=True)
def record_gate(slug: str, gate: GateName, evidence: dict[str, Any], by: str,
                advance: bool = True) -> dict[str, Any]:
    """Evidence fields as in `copflow gate fields`; dates as YYYY-MM-DD; lists as JSON lists."""
    now = datetime.now(UTC)
    stored = record_gate_evidence(slug, gate.value, evidence, by, now)
    print(f"recorded {gate.value} for {slug}: {sorted(stored)}")
    if not advance:
        return {"recorded": stored}
    moved = advance_cop(slug, by, now)
    print(f"{slug}: {moved.from_stage} → {moved.to_stage}")
    return {"recorded": stored, "advanced": asdict(moved)}


if __name__ == "__main__":
    record_gate("example", GateName.CORE_GROUP_FORMED, {}, "od@example.org")  # type: ignore[attr-defined]
