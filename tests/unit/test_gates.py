"""Each gate's unmet-requirement messages, one by one, and criteria as warnings or blocks by policy."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from lifecycle import Gate, MemberView, Policy, Role, Stage, check_gate
from tests.unit.builders import GOOD, ROSTER, TODAY, snap

P = Policy()


def unmet_codes(gate: Gate, s, policy: Policy = P, today: date = TODAY) -> set[str]:
    return {u.code for u in check_gate(gate, s, today, policy)[0]}


@pytest.mark.parametrize("gate", [g for g in Gate if g is not Gate.REVIEW_DUE])
def test_good_evidence_passes_every_gate(gate):
    stage = {Gate.EVOLVE_DECIDED: Stage.REVIEWING, Gate.CLOSE_DECIDED: Stage.REVIEWING,
             Gate.CHARTER_PUBLISHED: Stage.PLANNING}.get(gate)
    gates = (Gate.SPONSOR_MEETING_DONE, gate) if gate is Gate.CHARTER_PUBLISHED else (gate,)
    s = snap(stage or Stage.FORMING, gates)
    assert check_gate(gate, s, TODAY, P)[0] == []


# review_due is judged from the CoP's record (its review date), not from an evidence row.
@pytest.mark.parametrize("gate", [g for g in Gate if g is not Gate.REVIEW_DUE])
def test_missing_evidence_is_named(gate):
    assert f"{gate.value}.missing" in unmet_codes(gate, snap(Stage.FORMING, ()))


@pytest.mark.parametrize(("gate", "blank", "code"), [
    (Gate.CORE_GROUP_FORMED, "domain", "core_group_formed.domain"),
    (Gate.CORE_GROUP_FORMED, "formed_on", "core_group_formed.formed_on"),
    (Gate.SPONSOR_MEETING_DONE, "held_on", "sponsor_meeting_done.held_on"),
    (Gate.SPONSOR_MEETING_DONE, "notes", "sponsor_meeting_done.notes"),
    (Gate.CHARTER_PUBLISHED, "version", "charter_published.version"),
    (Gate.CHARTER_PUBLISHED, "purpose", "charter_published.purpose"),
    (Gate.CHARTER_PUBLISHED, "aims", "charter_published.aims"),
    (Gate.CHARTER_PUBLISHED, "annual_targets", "charter_published.annual_targets"),
    (Gate.CHARTER_PUBLISHED, "link", "charter_published.link"),
    (Gate.CHARTER_PUBLISHED, "published_on", "charter_published.published_on"),
    (Gate.CHARTER_PUBLISHED, "review_dates", "charter_published.review"),
    (Gate.LAUNCH_HELD, "held_on", "launch_held.held_on"),
    (Gate.LAUNCH_HELD, "feedback", "launch_held.feedback"),
    (Gate.LAUNCH_HELD, "attendance", "launch_held.attendance"),
    (Gate.REVIEW_PASSED, "decided_by", "review_passed.decided_by"),
    (Gate.REVIEW_PASSED, "reason", "review_passed.reason"),
    (Gate.REVIEW_PASSED, "evaluation_done", "review_passed.evaluation"),
    (Gate.EVOLVE_DECIDED, "kind", "evolve_decided.kind"),
    (Gate.EVOLVE_DECIDED, "decided_by", "evolve_decided.decided_by"),
    (Gate.CLOSE_DECIDED, "reason", "close_decided.reason"),
    (Gate.CLOSE_DECIDED, "closing_date", "close_decided.closing_date"),
    (Gate.ARCHIVE_VERIFIED, "archive_path", "archive_verified.archive_path"),
    (Gate.ARCHIVE_VERIFIED, "verified_on", "archive_verified.verified_on"),
    (Gate.ARCHIVE_VERIFIED, "manifest_sha256", "archive_verified.checksum"),
])
def test_each_missing_piece_has_its_own_message(gate, blank, code):
    gates = (Gate.SPONSOR_MEETING_DONE, gate) if gate is Gate.CHARTER_PUBLISHED else (gate,)
    evidence = {k: v for k, v in GOOD[gate].items() if k != blank}
    s = snap(Stage.FORMING, gates)
    s = replace(s, evidence={**s.evidence, gate: evidence})
    unmet = check_gate(gate, s, TODAY, P)[0]
    assert code in {u.code for u in unmet}
    assert all(u.message for u in unmet)


def test_all_unmet_pieces_are_listed_together():
    s = replace(snap(Stage.PLANNING), evidence={
        Gate.SPONSOR_MEETING_DONE: GOOD[Gate.SPONSOR_MEETING_DONE],
        Gate.CHARTER_PUBLISHED: {"version": "2"}})
    codes = unmet_codes(Gate.CHARTER_PUBLISHED, s)
    assert {"charter_published.purpose", "charter_published.aims", "charter_published.link",
            "charter_published.review", "charter_published.annual_targets"} <= codes


def test_sponsor_must_have_attended():
    s = snap(Stage.PLANNING, overrides={Gate.SPONSOR_MEETING_DONE: {"sponsor_attended": False}})
    assert unmet_codes(Gate.SPONSOR_MEETING_DONE, s) == {"sponsor_meeting_done.sponsor_attended"}


def test_charter_needs_the_sponsor_meeting_first():
    s = snap(Stage.PLANNING, (Gate.CHARTER_PUBLISHED,))
    assert "charter_published.order" in unmet_codes(Gate.CHARTER_PUBLISHED, s)


def test_charter_dated_before_the_sponsor_meeting_is_refused():
    s = snap(Stage.PLANNING, overrides={Gate.CHARTER_PUBLISHED: {"published_on": "2026-01-15",
                                                                 "review_dates": ["2027-01-01"]}})
    assert "charter_published.order" in unmet_codes(Gate.CHARTER_PUBLISHED, s)


def test_targets_must_be_measurable():
    s = snap(Stage.PLANNING, overrides={Gate.CHARTER_PUBLISHED: {"annual_targets": ["more engagement", "1 blog"]}})
    unmet = check_gate(Gate.CHARTER_PUBLISHED, s, TODAY, P)[0]
    assert [u.code for u in unmet] == ["charter_published.target"]
    assert "more engagement" in unmet[0].message


def test_review_dates_must_follow_publication():
    s = snap(Stage.PLANNING, overrides={Gate.CHARTER_PUBLISHED: {"review_dates": ["2026-02-10"]}})
    assert "charter_published.review_order" in unmet_codes(Gate.CHARTER_PUBLISHED, s)


def test_a_review_cadence_stands_in_for_dates():
    ev = {**GOOD[Gate.CHARTER_PUBLISHED], "review_cadence_months": 6}
    del ev["review_dates"]
    s = snap(Stage.PLANNING, overrides={Gate.CHARTER_PUBLISHED: {}})
    s = replace(s, evidence={**s.evidence, Gate.CHARTER_PUBLISHED: ev})
    assert unmet_codes(Gate.CHARTER_PUBLISHED, s) == set()


class TestCoreGroup:
    def test_needs_two_leads_a_coordinator_and_a_sponsor(self):
        s = snap(Stage.FORMING, members=(MemberView("a@x.org", Role.LEAD, "A"), MemberView("b@x.org", Role.CORE, "B")))
        assert {"core_group_formed.leads", "core_group_formed.coordinator",
                "core_group_formed.sponsor"} <= unmet_codes(Gate.CORE_GROUP_FORMED, s)

    def test_one_person_holding_two_lead_roles_counts_once(self):
        members = (MemberView("a@x.org", Role.LEAD, "A"), MemberView("a@x.org", Role.COORDINATOR, "A"),
                   *[m for m in ROSTER if m.role is Role.SPONSOR])
        assert "core_group_formed.leads" in unmet_codes(Gate.CORE_GROUP_FORMED, snap(Stage.FORMING, members=members))

    def _same_department(self):
        return tuple(replace(m, department="Library", line_manager="boss@x.org") if m.role is not Role.SPONSOR
                     else m for m in ROSTER)

    def test_diversity_criteria_warn_by_default(self):
        s = snap(Stage.FORMING, members=self._same_department())
        unmet, warnings = check_gate(Gate.CORE_GROUP_FORMED, s, TODAY, P)
        assert unmet == []
        assert {w.code for w in warnings} == {"criteria.departments", "criteria.line_manager"}
        assert "boss@x.org" in " ".join(w.message for w in warnings)

    def test_diversity_criteria_block_when_the_policy_says_so(self):
        s = snap(Stage.FORMING, members=self._same_department())
        unmet, warnings = check_gate(Gate.CORE_GROUP_FORMED, s, TODAY, Policy(criteria="block"))
        assert {u.code for u in unmet} == {"criteria.departments", "criteria.line_manager"}
        assert warnings == []

    def test_a_diverse_core_group_has_no_warnings(self):
        assert check_gate(Gate.CORE_GROUP_FORMED, snap(Stage.FORMING), TODAY, P) == ([], [])


def test_closing_date_must_respect_the_notice_period():
    s = snap(Stage.REVIEWING, (Gate.CLOSE_DECIDED,), overrides={Gate.CLOSE_DECIDED: {"closing_date": "2026-03-20"}})
    unmet = check_gate(Gate.CLOSE_DECIDED, s, TODAY, P)[0]
    assert [u.code for u in unmet] == ["close_decided.notice"]
    assert "2026-03-30" in unmet[0].message  # 4 weeks after 2026-03-02
    assert check_gate(Gate.CLOSE_DECIDED, s, TODAY, Policy(notice_period_weeks=2))[0] == []


def test_an_early_review_needs_a_reason():
    s = snap(Stage.ACTIVE, ())
    assert unmet_codes(Gate.REVIEW_DUE, s, today=date(2026, 1, 10)) == {"review_due.not_yet"}
    s = snap(Stage.ACTIVE, (Gate.REVIEW_DUE,), overrides={Gate.REVIEW_DUE: {"reason": "sponsor asked"}})
    assert unmet_codes(Gate.REVIEW_DUE, s, today=date(2026, 1, 10)) == set()
