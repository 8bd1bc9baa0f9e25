"""Decide a transition: allowed (with everything it sets off) or refused with every unmet gate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lifecycle.effects import Effect, effects_of
from lifecycle.errors import GateNotOpen, TransitionRefused, Unmet
from lifecycle.gates import check_gate
from lifecycle.policy import Policy
from lifecycle.snapshot import CopSnapshot
from lifecycle.stages import Gate, Stage
from lifecycle.table import GATE_PREREQUISITES, Transition, open_gates, transitions_from


@dataclass(frozen=True)
class Decision:
    transition: Transition
    warnings: tuple[Unmet, ...]
    # What the transition sets off, in order (lifecycle/effects.py): the application applies each one.
    effects: tuple[Effect, ...]


def ways_out(snap: CopSnapshot, today: date, p: Policy) -> list[tuple[Transition, list[Unmet], list[Unmet]]]:
    """Every transition out of the current stage with its unmet requirements and warnings."""
    out = []
    for t in transitions_from(snap.stage):
        unmet: list[Unmet] = []
        warnings: list[Unmet] = []
        for g in t.gates:
            u, w = check_gate(g, snap, today, p)
            unmet += u
            warnings += w
        out.append((t, unmet, warnings))
    return out


def decide(snap: CopSnapshot, today: date, p: Policy, target: Stage | None = None,
           trigger: str | None = None) -> Decision:
    """Choose the transition to make. With no target, the one whose gates are all met; if none is,
    refuse with the unmet requirements of every way out."""
    options = ways_out(snap, today, p)
    if target is not None:
        options = [o for o in options if o[0].target == target]
    if trigger is not None:
        options = [o for o in options if o[0].trigger == trigger]
    if not options:
        reason = "it is closed: no transition leaves it" if snap.stage is Stage.CLOSED else \
            f"no transition leads there (ways out: {_ways_out(snap.stage)})"
        raise TransitionRefused(snap.slug, snap.stage.value, target.value if target else None,
                                [Unmet("no_transition", reason)])
    ready = [o for o in options if not o[1]]
    if not ready:
        unmet = [u for o in options for u in o[1]]
        raise TransitionRefused(snap.slug, snap.stage.value, target.value if target else None, unmet)
    t, _, warnings = ready[0]
    return Decision(t, tuple(warnings), effects_of(t, snap, today, p))


def check_recordable(snap: CopSnapshot, gate: Gate) -> None:
    """Refuse evidence for a gate not open in the current stage, or before its prerequisite gate."""
    gates = open_gates(snap.stage)
    if gate not in gates:
        raise GateNotOpen(snap.slug, gate.value, snap.stage.value, tuple(g.value for g in gates))
    for before in GATE_PREREQUISITES.get(gate, ()):
        if before not in snap.evidence:
            raise GateNotOpen(snap.slug, gate.value, snap.stage.value + f" without {before.value}",
                              tuple(g.value for g in gates if g is not gate))


def _ways_out(stage: Stage) -> str:
    return ", ".join(f"{t.trigger} → {t.target.value}" for t in transitions_from(stage)) or "none"
