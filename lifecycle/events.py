"""The events copflow emits, one payload shape for all: which events announce a transition (`events_of`, the last of
its effects) and the evaluation's. Nothing else names a `copflow.*` event; copflow/runs.py sends them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from lifecycle.stages import Stage
from lifecycle.table import Transition


class Event(StrEnum):
    """Every event copflow emits (resource `copflow.cop.<slug>`); deployments in prefect.yaml trigger on them."""

    GATE_PASSED = "copflow.gate.passed"
    STAGE_ENTERED = "copflow.stage.entered"
    REVIEW_OPENED = "copflow.review.opened"
    REVIEW_DECIDED = "copflow.review.decided"
    COP_CLOSED = "copflow.cop.closed"
    EVALUATION_READY = "copflow.evaluation.ready"


@dataclass(frozen=True)
class EventPayload:
    """The one shape of every event's payload, whatever the event: a trigger reads any of them the same way."""

    stage: str  # the stage the CoP is in once the change is made
    from_stage: str  # the stage it was in (the same, for an event that moves nothing)
    trigger: str  # what moved it: advance, open_review, pass, evolve, close, archive (evaluate: nothing moved)
    gate: str = ""  # the gate passed (copflow.gate.passed)
    decision: str = ""  # the review's decision (copflow.review.decided) or the evaluation's recommendation


@dataclass(frozen=True)
class Emit:
    """An event for Prefect, sent once the change has committed (copflow/runs.py: announce)."""

    event: Event
    payload: EventPayload

    @property
    def name(self) -> str:
        return self.event.value


# The event that says what kind of change a transition was, beside every transition's gate.passed and
# stage.entered (the review-decision deployment triggers on review.opened).
_ANNOUNCED: dict[tuple[Stage, Stage], Event] = {
    (Stage.ACTIVE, Stage.REVIEWING): Event.REVIEW_OPENED,
    (Stage.REVIEWING, Stage.ACTIVE): Event.REVIEW_DECIDED,
    (Stage.REVIEWING, Stage.PLANNING): Event.REVIEW_DECIDED,
    (Stage.REVIEWING, Stage.CLOSING): Event.REVIEW_DECIDED,
    (Stage.CLOSING, Stage.CLOSED): Event.COP_CLOSED,
}


def events_of(t: Transition) -> tuple[Emit, ...]:
    """The events announcing `t`, last among its effects: each gate passed, what kind of change it was, and the
    stage entered (the delivery deployment triggers on it)."""
    said = EventPayload(t.target.value, t.source.value, t.trigger)
    kind = _ANNOUNCED.get((t.source, t.target))
    return (*(Emit(Event.GATE_PASSED, replace(said, gate=g.value)) for g in t.gates),
            *([Emit(kind, replace(said, decision=t.trigger if kind is Event.REVIEW_DECIDED else ""))] if kind else []),
            Emit(Event.STAGE_ENTERED, said))


def evaluation_ready(stage: Stage, recommendation: str) -> Emit:
    """The event of an evaluation computed and published (nothing moved): its recommendation in `decision`."""
    return Emit(Event.EVALUATION_READY, EventPayload(stage.value, stage.value, "evaluate", decision=recommendation))
