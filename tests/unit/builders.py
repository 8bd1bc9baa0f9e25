"""Snapshots for unit tests: a CoP in any stage with every gate of that stage met, to be taken apart."""

from __future__ import annotations

from datetime import date
from typing import Any

from lifecycle import CharterView, CopSnapshot, Gate, MemberView, Role, Stage

TODAY = date(2026, 3, 2)
ENTERED = date(2026, 1, 5)

ROSTER = (
    MemberView("ann@uni.example.org", Role.COORDINATOR, "Library", "boss1@uni.example.org"),
    MemberView("bob@uni.example.org", Role.LEAD, "Estates", "boss2@uni.example.org"),
    MemberView("cat@uni.example.org", Role.CORE, "Finance", "boss3@uni.example.org"),
    MemberView("dir@uni.example.org", Role.SPONSOR, "Research", None),
)

GOOD: dict[Gate, dict[str, Any]] = {
    Gate.CORE_GROUP_FORMED: {"domain": "Data and insight", "formed_on": "2026-01-20"},
    Gate.SPONSOR_MEETING_DONE: {"held_on": "2026-02-01", "sponsor_attended": True, "notes": "agreed scope"},
    Gate.CHARTER_PUBLISHED: {"version": "1.0", "purpose": "share practice", "aims": ["learn"],
                             "annual_targets": ["1 seminar", "2 blog posts"], "review_dates": ["2027-02-01"],
                             "link": "https://example.org/charter", "published_on": "2026-02-20"},
    Gate.LAUNCH_HELD: {"held_on": "2026-02-25", "attendance": 40, "feedback": "keen"},
    Gate.REVIEW_DUE: {"due_on": "2026-03-01"},
    Gate.REVIEW_PASSED: {"evaluation_done": True, "decided_by": "od@uni.example.org", "reason": "targets met"},
    Gate.EVOLVE_DECIDED: {"kind": "renew", "decided_by": "od@uni.example.org", "reason": "new aims"},
    Gate.CLOSE_DECIDED: {"decided_by": "od@uni.example.org", "reason": "achieved its aims",
                         "closing_date": "2026-05-01"},
    Gate.ARCHIVE_VERIFIED: {"archive_path": "/archives/x.zip", "manifest_sha256": "a" * 64,
                            "verified_on": "2026-03-01"},
}

STAGE_GATES: dict[Stage, tuple[Gate, ...]] = {
    Stage.FORMING: (Gate.CORE_GROUP_FORMED,),
    Stage.PLANNING: (Gate.SPONSOR_MEETING_DONE, Gate.CHARTER_PUBLISHED),
    Stage.LAUNCHING: (Gate.LAUNCH_HELD,),
    Stage.ACTIVE: (Gate.REVIEW_DUE,),
    Stage.REVIEWING: (Gate.REVIEW_PASSED,),
    Stage.CLOSING: (Gate.ARCHIVE_VERIFIED,),
    Stage.CLOSED: (),
}


def snap(stage: Stage, gates: tuple[Gate, ...] | None = None, *, members: tuple[MemberView, ...] = ROSTER,
         overrides: dict[Gate, dict[str, Any]] | None = None, **kw: Any) -> CopSnapshot:
    chosen = STAGE_GATES[stage] if gates is None else gates
    evidence = {g: {**GOOD[g], **(overrides or {}).get(g, {})} for g in chosen}
    defaults: dict[str, Any] = {
        "charter": CharterView("1.0", date(2025, 2, 1), (date(2026, 2, 1),)) if stage is Stage.ACTIVE else None,
        "review_anchor_on": date(2025, 2, 1) if stage is Stage.ACTIVE else None,
        "closing_date": date(2026, 4, 1) if stage is Stage.CLOSING else None,
    }
    defaults.update(kw)
    return CopSnapshot(slug="data-insight", stage=stage, stage_entered_on=ENTERED, members=members,
                       evidence=evidence, **defaults)
