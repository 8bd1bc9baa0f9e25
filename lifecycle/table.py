"""The transition table: data, not a chain of ifs. Everything else (checks, diagram, docs) reads it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lifecycle.stages import GATE_TITLES, STAGE_TITLES, Gate, Stage


@dataclass(frozen=True)
class Transition:
    source: Stage
    trigger: str
    target: Stage
    gates: tuple[Gate, ...]
    # Made by copflow itself (the daily sweep, on a date) rather than by a person recording evidence.
    automatic: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition(Stage.FORMING, "advance", Stage.PLANNING, (Gate.CORE_GROUP_FORMED,)),
    Transition(Stage.PLANNING, "advance", Stage.LAUNCHING, (Gate.SPONSOR_MEETING_DONE, Gate.CHARTER_PUBLISHED)),
    Transition(Stage.LAUNCHING, "advance", Stage.ACTIVE, (Gate.LAUNCH_HELD,)),
    Transition(Stage.ACTIVE, "open_review", Stage.REVIEWING, (Gate.REVIEW_DUE,), automatic=True),
    Transition(Stage.REVIEWING, "pass", Stage.ACTIVE, (Gate.REVIEW_PASSED,)),
    Transition(Stage.REVIEWING, "evolve", Stage.PLANNING, (Gate.EVOLVE_DECIDED,)),
    Transition(Stage.REVIEWING, "close", Stage.CLOSING, (Gate.CLOSE_DECIDED,)),
    Transition(Stage.CLOSING, "archive", Stage.CLOSED, (Gate.ARCHIVE_VERIFIED,), automatic=True),
)

# Gates whose evidence needs another gate's evidence recorded first, within the same stage visit.
GATE_PREREQUISITES: dict[Gate, tuple[Gate, ...]] = {
    Gate.CHARTER_PUBLISHED: (Gate.SPONSOR_MEETING_DONE,),
}


def transitions_from(stage: Stage) -> tuple[Transition, ...]:
    return tuple(t for t in TRANSITIONS if t.source == stage)


def open_gates(stage: Stage) -> tuple[Gate, ...]:
    """Gates that may receive evidence while a CoP is in `stage`, in table order."""
    seen: list[Gate] = []
    for t in transitions_from(stage):
        for g in t.gates:
            if g not in seen:
                seen.append(g)
    return tuple(seen)


def mermaid(counts: Mapping[str, int] | None = None) -> str:
    """A Mermaid state diagram generated from TRANSITIONS (shown in docs and in Prefect artifacts). With
    `counts` (stage → number of CoPs), each stage's box says how many CoPs are in it. Boxes are named in the
    words people read everywhere else (STAGE_TITLES: "review", not the id "reviewing")."""
    lines = ["stateDiagram-v2"]
    for stage in Stage:  # a state's display name, declared before the transitions that use it
        title = STAGE_TITLES[stage]
        if counts is not None:
            n = counts.get(stage.value, 0)
            lines.append(f'    state "{title} ({n} CoP{"" if n == 1 else "s"})" as {stage.value}')
        elif title != stage.value:
            lines.append(f'    state "{title}" as {stage.value}')
    lines.append(f"    [*] --> {Stage.FORMING.value}")
    for t in TRANSITIONS:
        label = " + ".join(GATE_TITLES[g] for g in t.gates)
        lines.append(f"    {t.source.value} --> {t.target.value}: {t.trigger} [{label}]")
    lines.append(f"    {Stage.CLOSED.value} --> [*]")
    return "\n".join(lines) + "\n"
