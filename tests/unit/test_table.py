"""Every row of the transition table: allowed when its gates are met, refused naming each missing gate."""

from __future__ import annotations

import pytest

from lifecycle import (
    GATE_TITLES,
    TRANSITIONS,
    Gate,
    Policy,
    Stage,
    TransitionRefused,
    decide,
    mermaid,
    open_gates,
    transitions_from,
)
from lifecycle.effects import Emit
from lifecycle.stages import STAGE_TITLES
from tests.unit.builders import TODAY, snap

P = Policy()


@pytest.mark.parametrize("t", TRANSITIONS, ids=lambda t: f"{t.source}-{t.trigger}-{t.target}")
def test_row_is_allowed_when_its_gates_are_met(t):
    s = snap(t.source, t.gates)
    d = decide(s, TODAY, P, target=t.target, trigger=t.trigger)
    assert d.transition == t
    events = [e for e in d.effects if isinstance(e, Emit)]
    assert [e.payload.gate for e in events if e.name == "copflow.gate.passed"] == [g.value for g in t.gates]
    assert (events[-1].payload.stage, events[-1].payload.from_stage) == (t.target.value, t.source.value)


@pytest.mark.parametrize("t", [t for t in TRANSITIONS if t.gates != (Gate.REVIEW_DUE,)],
                         ids=lambda t: f"{t.source}-{t.trigger}-{t.target}")
def test_row_is_refused_naming_every_missing_gate(t):
    s = snap(t.source, ())
    with pytest.raises(TransitionRefused) as err:
        decide(s, TODAY, P, target=t.target, trigger=t.trigger)
    messages = [u.message for u in err.value.unmet]
    for g in t.gates:
        assert any(GATE_TITLES[g] in m for m in messages), (g, messages)
    assert err.value.slug == "data-insight" and err.value.stage == t.source.value


def test_planning_lists_both_missing_gates_not_just_the_first():
    with pytest.raises(TransitionRefused) as err:
        decide(snap(Stage.PLANNING, ()), TODAY, P)
    codes = {u.code for u in err.value.unmet}
    assert {"sponsor_meeting_done.missing", "charter_published.missing"} <= codes


def test_review_is_refused_before_its_date():
    s = snap(Stage.ACTIVE, ())
    from datetime import date

    with pytest.raises(TransitionRefused) as err:
        decide(s, date(2026, 1, 31), P, trigger="open_review")
    assert [u.code for u in err.value.unmet] == ["review_due.not_yet"]


def test_reviewing_picks_the_decision_that_was_recorded():
    s = snap(Stage.REVIEWING, (Gate.CLOSE_DECIDED,))
    assert decide(s, TODAY, P).transition.target is Stage.CLOSING


def test_reviewing_with_no_decision_names_all_three_ways_out():
    with pytest.raises(TransitionRefused) as err:
        decide(snap(Stage.REVIEWING, ()), TODAY, P)
    codes = {u.code for u in err.value.unmet}
    assert codes == {"review_passed.missing", "evolve_decided.missing", "close_decided.missing"}


def test_closed_has_no_way_out():
    with pytest.raises(TransitionRefused, match="closed"):
        decide(snap(Stage.CLOSED, ()), TODAY, P)


def test_a_target_with_no_transition_is_refused_with_the_ways_out():
    with pytest.raises(TransitionRefused, match="no transition leads there") as err:
        decide(snap(Stage.FORMING), TODAY, P, target=Stage.ACTIVE)
    assert "advance → planning" in str(err.value)


def test_every_stage_but_closed_has_a_way_out_and_every_stage_is_reachable():
    reachable = {Stage.FORMING} | {t.target for t in TRANSITIONS}
    assert reachable == set(Stage)
    assert all(transitions_from(s) for s in Stage if s is not Stage.CLOSED)
    assert not transitions_from(Stage.CLOSED)


def test_open_gates_follow_the_table():
    assert open_gates(Stage.PLANNING) == (Gate.SPONSOR_MEETING_DONE, Gate.CHARTER_PUBLISHED)
    assert open_gates(Stage.REVIEWING) == (Gate.REVIEW_PASSED, Gate.EVOLVE_DECIDED, Gate.CLOSE_DECIDED)
    assert open_gates(Stage.CLOSED) == ()


def test_mermaid_is_generated_from_every_row():
    text = mermaid()
    assert text.startswith("stateDiagram-v2")
    for t in TRANSITIONS:
        assert f"{t.source.value} --> {t.target.value}: {t.trigger}" in text


def test_mermaid_with_counts_says_how_many_cops_are_in_each_stage():
    text = mermaid({"forming": 1, "active": 12})
    names = [line.strip() for line in text.splitlines()[1:len(Stage) + 1]]
    assert names == [f'state "{STAGE_TITLES[s]} ({n})" as {s.value}' for s, n in zip(
        Stage, ["1 CoP", "0 CoPs", "0 CoPs", "12 CoPs", "0 CoPs", "0 CoPs", "0 CoPs"], strict=True)]
    # Otherwise the same diagram: the stage names declared first, then the same transitions.
    assert [line for line in text.splitlines() if not line.strip().startswith("state ")] == \
        [line for line in mermaid().splitlines() if not line.strip().startswith("state ")]


def test_the_diagram_names_stages_as_everything_else_does():
    """'review', as the CLI, the pages and the mail say it, never the id 'reviewing' (issue 29)."""
    boxes = [line.strip() for line in mermaid().splitlines() if line.strip().startswith("state ")]
    assert boxes == ['state "review" as reviewing']
    assert all(f'"{STAGE_TITLES[s]} (' in mermaid({}) for s in Stage)
