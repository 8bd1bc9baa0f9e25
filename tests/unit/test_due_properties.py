"""Nobody who must act is skipped: over random escalation ladders and sweep calendars (sweeps missed, the policy
changed between sweeps), every audience whose rung is reached has been told of an overdue gate after the sweep
that found it, at most once per rung, and a catch-up sends one notice per audience, never a flood."""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle import Policy, Stage, notices_due
from lifecycle.audiences import ESCALATION_AUDIENCES
from lifecycle.policy import EscalationStep
from tests.unit.builders import ENTERED, snap

EXAMPLES = int(os.environ.get("COPFLOW_PROPERTY_EXAMPLES", "300"))
DUE = ENTERED + timedelta(weeks=8)  # a launching CoP's launch is due then


@st.composite
def ladders(draw: st.DrawFn) -> Policy:
    days = sorted(draw(st.sets(st.integers(1, 60), min_size=1, max_size=5)))
    steps = tuple(EscalationStep(d, draw(st.sampled_from(ESCALATION_AUDIENCES))) for d in days)
    return Policy(escalation=steps, escalation_repeat_days=draw(st.integers(1, 14)))


@settings(max_examples=EXAMPLES, deadline=None)
@given(policies=st.lists(ladders(), min_size=1, max_size=3),
       sweeps=st.lists(st.integers(1, 120), min_size=1, max_size=25, unique=True))
def test_each_audience_reached_is_told_once_per_rung(policies: list[Policy], sweeps: list[int]) -> None:
    cop = snap(Stage.LAUNCHING, ())
    heard: set[str] = set()  # audiences told of this gate so far
    for i, late in enumerate(sorted(sweeps)):
        policy = policies[i % len(policies)]  # the policy may change between sweeps
        owed = [n for n in notices_due(cop, DUE + timedelta(days=late), policy) if n.kind == "overdue"]
        # One notice per audience in a sweep, in the ladder's order of first appearance.
        audiences = [n.audience for n in owed]
        assert len(audiences) == len(set(audiences))
        first_rung = {}
        for step in policy.escalation:
            first_rung.setdefault(step.audience, step.days_overdue)
        assert audiences == sorted(audiences, key=lambda a: first_rung[a])
        # The outbox sends a key once: one key per audience's rung, so nobody hears of a rung twice.
        assert len({(n.key, n.audience) for n in owed}) == len(owed)
        for n in owed:
            heard.add(n.audience)
            assert int(n.step.removeprefix("overdue-")) <= late  # never a rung not yet reached
        # Everyone whose rung this policy has reached has been told by the end of this sweep.
        reached = {s.audience for s in policy.escalation if s.days_overdue <= late}
        assert reached <= heard, (late, reached, heard)
