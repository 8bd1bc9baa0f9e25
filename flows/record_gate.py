"""A typed form in the Prefect UI for leads and OD managers: record a gate's evidence and, when its gates are then
met, advance (one transaction, the path the CLI and the web take)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from prefect import flow

from lifecycle import Gate
from tasks.gates import record_gate_and_advance, record_gate_evidence

GateName = Enum("GateName", {g.name: g.value for g in Gate if g is not Gate.REVIEW_DUE}, type=str)  # type: ignore[misc]


@flow(name="record-gate", flow_run_name="record-gate {slug}", log_prints=True)
def record_gate(slug: str, gate: GateName, evidence: dict[str, Any], by: str,
                advance: bool = True) -> dict[str, Any]:
    """Evidence fields as in `copflow gate fields`; dates as YYYY-MM-DD; lists as JSON lists. Without `advance`,
    the evidence is only recorded (as `copflow gate record` does)."""
    now = datetime.now(UTC)
    if not advance:
        stored = record_gate_evidence(slug, gate.value, evidence, by, now)
        print(f"recorded {gate.value} for {slug}: {sorted(stored)}")
        return {"recorded": stored}
    result = record_gate_and_advance(slug, gate.value, evidence, by, now)
    print(f"recorded {gate.value} for {slug}: {sorted(result.recorded or {})}")
    if not result.moved:
        print(f"{slug} stays in {result.from_stage}: still needed: {'; '.join(u.message for u in result.unmet)}")
        return {"recorded": dict(result.recorded or {}), "still_needed": [u.message for u in result.unmet]}
    print(f"{slug}: {result.from_stage} → {result.to_stage}")
    return {"recorded": dict(result.recorded or {}), "advanced": asdict(result)}


if __name__ == "__main__":
    record_gate("example", GateName.CORE_GROUP_FORMED, {}, "od@example.org")  # type: ignore[attr-defined]
