"""What a transition sets off comes from the core, as plain effects in order: the services apply them, the
property test folds them, nobody rebuilds them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from lifecycle import TRANSITIONS, Audience, Gate, Policy, Stage, TransitionRefused, after, decide
from lifecycle.effects import (
    SETTLING,
    CancelMeetings,
    CreateChild,
    DraftLessons,
    MergeInto,
    MoveMeetings,
    MoveMembers,
    Notify,
    PublishEvaluation,
    RecordArchive,
    ScheduleMeeting,
    SetClosingDate,
    SetDomain,
    SetReviewAnchor,
    StartSeries,
    WriteCharter,
)
from lifecycle.events import Emit, Event, EventPayload
from tests.unit.builders import GOOD, TODAY, snap

P = Policy()
LEADS_AND_SPONSOR = Notify((Audience.LEADS, Audience.SPONSOR), "stage_changed")


def kinds(effects):
    return [type(e).__name__ for e in effects]


def test_leaving_planning_writes_the_charter_schedules_review_meetings_and_tells_leads_and_sponsor():
    reviews = {**GOOD[Gate.CHARTER_PUBLISHED], "review_dates": ["2026-02-25", "2027-02-01", "2028-02-01"]}
    d = decide(snap(Stage.PLANNING, overrides={Gate.CHARTER_PUBLISHED: reviews}), TODAY, P)
    assert d.effects[:4] == (
        WriteCharter("1.0", "share practice", ("learn",), ("1 seminar", "2 blog posts"),
                     (date(2026, 2, 25), date(2027, 2, 1), date(2028, 2, 1)), None,
                     "https://example.org/charter", date(2026, 2, 20)),
        LEADS_AND_SPONSOR,
        ScheduleMeeting("review", date(2027, 2, 1)),  # review dates already past get no meeting
        ScheduleMeeting("review", date(2028, 2, 1)),
    )
    assert kinds(d.effects[4:]) == ["Emit", "Emit", "Emit"]


def test_launch_anchors_reviews_on_the_launch_day_and_starts_series_at_the_policys_offsets():
    held = date.fromisoformat(GOOD[Gate.LAUNCH_HELD]["held_on"])
    policy = replace(P, first_checkin_after_weeks=3, first_sponsor_catchup_after_weeks=5)
    d = decide(snap(Stage.LAUNCHING), TODAY, policy)
    assert d.effects[:4] == (SetReviewAnchor(held), LEADS_AND_SPONSOR,
                             StartSeries("checkin", held + timedelta(weeks=3)),
                             StartSeries("sponsor_catchup", held + timedelta(weeks=5)))


def test_the_close_decision_sets_its_date_cancels_meetings_drafts_lessons_and_tells_every_member():
    d = decide(snap(Stage.REVIEWING, (Gate.CLOSE_DECIDED,)), TODAY, P, target=Stage.CLOSING)
    assert d.effects[:7] == (PublishEvaluation(), SetReviewAnchor(TODAY), SetClosingDate(date(2026, 5, 1)), LEADS_AND_SPONSOR,
                             CancelMeetings("the community is closing"), DraftLessons(),
                             Notify((Audience.MEMBERS, Audience.OD_MANAGER), "closing_notice"))


def test_an_opened_review_calls_every_member_to_the_survey():
    d = decide(snap(Stage.ACTIVE), TODAY, P)
    assert d.effects[:2] == (LEADS_AND_SPONSOR, Notify((Audience.MEMBERS,), "review_opened"))


def test_forming_gives_the_cop_its_domain_and_the_archive_closes_it():
    assert decide(snap(Stage.FORMING), TODAY, P).effects[0] == SetDomain("Data and insight")
    closed = decide(snap(Stage.CLOSING), TODAY, P).effects
    assert closed[0] == RecordArchive("/archives/x.zip", "a" * 64)
    assert Notify((Audience.LEADS, Audience.SPONSOR, Audience.OD_MANAGER), "closure_completed") in closed


def test_a_decided_review_first_publishes_its_evaluation_while_the_cop_is_still_under_review():
    for target, gate in ((Stage.ACTIVE, Gate.REVIEW_PASSED), (Stage.PLANNING, Gate.EVOLVE_DECIDED),
                         (Stage.CLOSING, Gate.CLOSE_DECIDED)):
        assert decide(snap(Stage.REVIEWING, (gate,)), TODAY, P, target=target).effects[0] == PublishEvaluation()
    assert not any(isinstance(e, PublishEvaluation) for e in decide(snap(Stage.ACTIVE), TODAY, P).effects)


def test_a_split_creates_each_child_with_its_members_and_the_decisions_reason():
    split = {**GOOD[Gate.EVOLVE_DECIDED], "kind": "split", "reason": "two practices",
             "children": [{"slug": "viz", "name": "Data Viz", "members": ["bob@uni.example.org"]},
                          {"slug": "eng", "name": "Data Eng", "members": ["ann@uni.example.org",
                                                                          "cat@uni.example.org"]}]}
    d = decide(snap(Stage.REVIEWING, (Gate.EVOLVE_DECIDED,), overrides={Gate.EVOLVE_DECIDED: split}), TODAY, P,
               target=Stage.PLANNING)
    assert [e for e in d.effects if isinstance(e, CreateChild)] == [
        CreateChild("viz", "Data Viz", ("bob@uni.example.org",), "two practices"),
        CreateChild("eng", "Data Eng", ("ann@uni.example.org", "cat@uni.example.org"), "two practices")]


def test_a_split_of_people_who_are_not_members_is_refused_by_the_core():
    split = {**GOOD[Gate.EVOLVE_DECIDED], "kind": "split",
             "children": [{"slug": "viz", "name": "Data Viz", "members": ["zed@elsewhere.org"]}]}
    with pytest.raises(TransitionRefused) as refused:
        decide(snap(Stage.REVIEWING, (Gate.EVOLVE_DECIDED,), overrides={Gate.EVOLVE_DECIDED: split}), TODAY, P,
               target=Stage.PLANNING)
    [u] = refused.value.unmet
    assert (u.code, u.field, u.value) == ("evolve_decided.members", "children", "zed@elsewhere.org")


def test_a_merge_points_at_its_target_and_moves_meetings_and_members_before_cancelling_what_is_left():
    merging = {**GOOD[Gate.CLOSE_DECIDED], "into": "analytics"}
    effects = decide(snap(Stage.REVIEWING, (Gate.CLOSE_DECIDED,), overrides={Gate.CLOSE_DECIDED: merging}), TODAY,
                     P, target=Stage.CLOSING).effects
    kinds_ = kinds(effects)
    assert MergeInto("analytics") in effects
    assert kinds_.index("MoveMeetings") < kinds_.index("MoveMembers") < kinds_.index("CancelMeetings")
    assert MoveMeetings("analytics") in effects and MoveMembers("analytics") in effects
    plain = decide(snap(Stage.REVIEWING, (Gate.CLOSE_DECIDED,)), TODAY, P, target=Stage.CLOSING).effects
    assert not any(isinstance(e, MergeInto | MoveMeetings | MoveMembers) for e in plain)


@pytest.mark.parametrize("t", TRANSITIONS, ids=lambda t: f"{t.source}-{t.trigger}-{t.target}")
def test_every_transition_settles_first_records_then_tells_and_emits_last(t):
    effects = decide(snap(t.source, t.gates), TODAY, P, target=t.target, trigger=t.trigger).effects
    record = (SetDomain, WriteCharter, SetReviewAnchor, SetClosingDate, RecordArchive, MergeInto)
    order = [-1 if isinstance(e, SETTLING) else 0 if isinstance(e, record) else 2 if isinstance(e, Emit) else 1
             for e in effects]
    assert order == sorted(order)
    # Leads and sponsor hear of every move, once: a stage change, or (closing -> closed) the closure-completed mail.
    told = [e for e in effects if isinstance(e, Notify) and {Audience.LEADS, Audience.SPONSOR} <= set(e.audiences)]
    assert len(told) == 1 and (LEADS_AND_SPONSOR in effects) == (t.target is not Stage.CLOSED)
    assert effects[-1] == Emit(Event.STAGE_ENTERED, EventPayload(t.target.value, t.source.value, t.trigger))
    # Every event has the one payload shape; the gates passed and what kind of change it was come before.
    events = [e for e in effects if isinstance(e, Emit)]
    assert all(type(e.payload) is EventPayload for e in events)
    assert [e.payload.gate for e in events if e.event is Event.GATE_PASSED] == [g.value for g in t.gates]


@pytest.mark.parametrize(("source", "target", "event"), [
    (Stage.ACTIVE, Stage.REVIEWING, Event.REVIEW_OPENED), (Stage.REVIEWING, Stage.ACTIVE, Event.REVIEW_DECIDED),
    (Stage.REVIEWING, Stage.PLANNING, Event.REVIEW_DECIDED), (Stage.REVIEWING, Stage.CLOSING, Event.REVIEW_DECIDED),
    (Stage.CLOSING, Stage.CLOSED, Event.COP_CLOSED), (Stage.FORMING, Stage.PLANNING, None)])
def test_the_kind_of_change_is_announced_by_its_own_event(source, target, event):
    t = next(t for t in TRANSITIONS if (t.source, t.target) == (source, target))
    effects = decide(snap(t.source, t.gates), TODAY, P, target=t.target, trigger=t.trigger).effects
    named = [e for e in effects if isinstance(e, Emit) and e.event not in (Event.GATE_PASSED, Event.STAGE_ENTERED)]
    assert [e.event for e in named] == ([event] if event else [])
    if event is Event.REVIEW_DECIDED:
        assert named[0].payload == EventPayload(target.value, source.value, t.trigger, decision=t.trigger)


def test_after_folds_the_effects_into_the_next_snapshot():
    before = snap(Stage.LAUNCHING)
    d = decide(before, TODAY, P)
    nxt = after(before, d.transition, d.effects, TODAY)
    assert (nxt.stage, nxt.stage_entered_on, dict(nxt.evidence)) == (Stage.ACTIVE, TODAY, {})
    assert nxt.review_anchor_on == date.fromisoformat(GOOD[Gate.LAUNCH_HELD]["held_on"])  # not "today"
    planned = decide(snap(Stage.PLANNING), TODAY, P)
    assert after(snap(Stage.PLANNING), planned.transition, planned.effects, TODAY).charter.review_dates == \
        (date(2027, 2, 1),)
