"""Property-based: whatever commands people give, in whatever order, no gate is skipped."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from lifecycle import (
    TRANSITIONS,
    CopSnapshot,
    Gate,
    GateNotOpen,
    InvalidEvidence,
    Policy,
    Stage,
    TransitionRefused,
    after,
    check_recordable,
    decide,
    validate_evidence,
)
from tests.unit.builders import GOOD, ROSTER

P = Policy()
START = date(2026, 3, 2)  # after every date in GOOD, so good evidence is never "in the future"


def _damage(payload: dict[str, Any], drop: list[str]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k not in drop}


class Lifecycle(RuleBasedStateMachine):
    """The services' semantics in memory: evidence counts for the visit it was recorded in."""

    def __init__(self) -> None:
        super().__init__()
        self.today = START
        self.snap = CopSnapshot("prop", Stage.FORMING, START, ROSTER)
        self.path: list[tuple[Stage, Stage, dict[Gate, Any]]] = []

    @rule(gate=st.sampled_from(list(Gate)), drop=st.lists(st.sampled_from(
        ["domain", "held_on", "notes", "link", "aims", "reason", "decided_by", "attendance",
         "sponsor_attended", "evaluation_done", "manifest_sha256", "closing_date"]), max_size=2),
        future=st.booleans())
    def record(self, gate: Gate, drop: list[str], future: bool) -> None:
        payload = _damage(GOOD[gate], drop)
        if future and "held_on" in payload:
            payload["held_on"] = (self.today + timedelta(days=3)).isoformat()
        try:
            check_recordable(self.snap, gate)
            clean = validate_evidence(gate, payload, self.today)
        except (GateNotOpen, InvalidEvidence):
            return
        self.snap = replace(self.snap, evidence={**self.snap.evidence, gate: clean})

    @rule(days=st.integers(min_value=0, max_value=400))
    def wait(self, days: int) -> None:
        self.today += timedelta(days=days)

    @rule(to=st.one_of(st.none(), st.sampled_from(list(Stage))))
    def advance(self, to: Stage | None) -> None:
        before = self.snap
        try:
            d = decide(before, self.today, P, target=to)
        except TransitionRefused as exc:
            assert exc.unmet, "a refusal always says why"
            return
        self.path.append((before.stage, d.transition.target, dict(before.evidence)))
        self.snap = after(before, d.transition, d.effects, self.today)  # what the services write, from the core

    @invariant()
    def every_step_follows_the_table_with_its_gates_evidenced(self) -> None:
        allowed = {(t.source, t.target): t.gates for t in TRANSITIONS}
        for source, target, evidence in self.path:
            gates = allowed[(source, target)]
            for g in gates:
                if g is Gate.REVIEW_DUE:
                    continue  # judged from the date, not from evidence
                assert g in evidence, f"{source}->{target} without {g}"
                for key in ("decided_by", "reason", "held_on", "notes", "manifest_sha256", "domain"):
                    if key in GOOD[g]:
                        assert evidence[g].get(key), f"{source}->{target}: {g} lacks {key}"

    @invariant()
    def closed_only_after_a_verified_archive_and_a_close_decision(self) -> None:
        if self.snap.stage is Stage.CLOSED:
            stages = [(s, t) for s, t, _ in self.path]
            assert stages[-1] == (Stage.CLOSING, Stage.CLOSED)
            assert Gate.ARCHIVE_VERIFIED in self.path[-1][2]
            assert (Stage.REVIEWING, Stage.CLOSING) in stages


Lifecycle.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
TestLifecycle = Lifecycle.TestCase


def test_the_machine_can_reach_closed():
    """A sanity check that the property test explores real paths: the good path does close."""
    m = Lifecycle()
    order = [Gate.CORE_GROUP_FORMED, None, Gate.SPONSOR_MEETING_DONE, Gate.CHARTER_PUBLISHED, None,
             Gate.LAUNCH_HELD, None]
    for step in order:
        m.record(step, [], False) if step else m.advance(None)
    m.wait(400)
    m.advance(None)  # review falls due
    # The close decision must announce a date beyond the notice period from "today".
    m.snap = replace(m.snap, evidence={Gate.CLOSE_DECIDED: {**GOOD[Gate.CLOSE_DECIDED],
                                                            "closing_date": (m.today + timedelta(weeks=5)).isoformat()}})
    m.advance(None)
    m.record(Gate.ARCHIVE_VERIFIED, [], False)
    m.advance(None)
    assert m.snap.stage is Stage.CLOSED
    m.every_step_follows_the_table_with_its_gates_evidenced()
    m.closed_only_after_a_verified_archive_and_a_close_decision()
