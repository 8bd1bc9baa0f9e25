"""Due dates, reminders before, on and after them, and the escalation ladder."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from lifecycle import CharterView, Gate, Policy, Stage, due_gates, next_review_on, notices_due, review_is_due
from lifecycle.review_dates import add_months
from tests.unit.builders import ENTERED, snap

P = Policy()


def test_planning_gates_fall_due_6_and_12_weeks_after_entry():
    due = due_gates(snap(Stage.PLANNING, ()), ENTERED, P)
    assert [(d.gate, d.due_on) for d in due] == [
        (Gate.SPONSOR_MEETING_DONE, ENTERED + timedelta(weeks=6)),
        (Gate.CHARTER_PUBLISHED, ENTERED + timedelta(weeks=12))]


def test_a_passed_gate_is_no_longer_due():
    due = due_gates(snap(Stage.PLANNING, (Gate.SPONSOR_MEETING_DONE,)), ENTERED, P)
    assert [d.gate for d in due] == [Gate.CHARTER_PUBLISHED]


@pytest.mark.parametrize(("stage", "gate", "weeks"), [
    (Stage.FORMING, Gate.CORE_GROUP_FORMED, 12), (Stage.LAUNCHING, Gate.LAUNCH_HELD, 8),
    (Stage.REVIEWING, Gate.REVIEW_PASSED, 6)])
def test_stage_deadlines(stage, gate, weeks):
    assert due_gates(snap(stage, ()), ENTERED, P)[0].due_on == ENTERED + timedelta(weeks=weeks)
    assert due_gates(snap(stage, ()), ENTERED, P)[0].gate is gate


def test_closing_is_due_on_the_closing_date_and_closed_owes_nothing():
    assert due_gates(snap(Stage.CLOSING, ()), ENTERED, P)[0].due_on == date(2026, 4, 1)
    assert due_gates(snap(Stage.CLOSED, ()), ENTERED, P) == []


def test_nobody_is_reminded_of_the_archive_and_a_late_one_goes_to_the_od_manager():
    closing = snap(Stage.CLOSING, ())  # closing date 2026-04-01: the sweep archives on the day
    quiet = [date(2026, 3, 2), date(2026, 3, 18), date(2026, 3, 31), date(2026, 4, 1)]
    assert [notices_due(closing, day, P) for day in quiet] == [[], [], [], []]
    late = [(n.audience, n.step) for day in (date(2026, 4, 2), date(2026, 4, 8), date(2026, 4, 15), date(2026, 4, 22))
            for n in notices_due(closing, day, P)]
    assert late == [("od_manager", "overdue-1"), ("od_manager", "overdue-7"), ("od_manager", "overdue-14"),
                    ("od_manager", "overdue-21")]


class TestReviews:
    def test_charter_dates_come_first(self):
        s = snap(Stage.ACTIVE, (), charter=CharterView("1", date(2025, 1, 1), (date(2026, 6, 1), date(2027, 6, 1))),
                 review_anchor_on=date(2026, 6, 10))
        assert next_review_on(s, P) == date(2027, 6, 1)

    def test_then_the_charter_cadence_then_the_policy_cadence(self):
        s = snap(Stage.ACTIVE, (), charter=CharterView("1", date(2025, 1, 1), (), 6), review_anchor_on=date(2026, 1, 31))
        assert next_review_on(s, P) == date(2026, 7, 31)
        s = replace(s, charter=CharterView("1", date(2025, 1, 1)))
        assert next_review_on(s, P) == date(2027, 1, 31)

    def test_review_is_due_on_its_date_and_the_sweep_opens_it_rather_than_chasing(self):
        s = snap(Stage.ACTIVE, ())  # review date 2026-02-01
        assert review_is_due(s, date(2026, 2, 1), P) and not review_is_due(s, date(2026, 1, 31), P)
        assert notices_due(s, date(2026, 2, 20), P) == []
        assert [n.step for n in notices_due(s, date(2026, 1, 25), P)] == ["before-7"]


def test_add_months_clamps_to_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


class TestNotices:
    due = ENTERED + timedelta(weeks=8)  # launch due

    def notices(self, days_from_due: int, policy: Policy = P):
        return notices_due(snap(Stage.LAUNCHING, ()), self.due + timedelta(days=days_from_due), policy)

    @pytest.mark.parametrize(("offset", "step"), [(-30, "before-30"), (-20, "before-30"), (-14, "before-14"),
                                                  (-7, "before-7"), (-1, "before-1")])
    def test_reminders_before(self, offset, step):
        [n] = self.notices(offset)
        assert (n.kind, n.audience, n.step, n.days) == ("due_soon", "leads", step, -offset)

    def test_nothing_before_the_first_offset(self):
        assert self.notices(-31) == []

    def test_on_the_day(self):
        [n] = self.notices(0)
        assert (n.kind, n.step) == ("due_today", "due")

    @pytest.mark.parametrize(("late", "owed"), [
        (1, [("leads", "overdue-1")]), (6, [("leads", "overdue-1")]),
        (7, [("leads", "overdue-1"), ("sponsor", "overdue-7")]),
        (14, [("leads", "overdue-1"), ("sponsor", "overdue-7"), ("od_manager", "overdue-14")]),
        (20, [("leads", "overdue-1"), ("sponsor", "overdue-7"), ("od_manager", "overdue-14")]),
        (21, [("leads", "overdue-1"), ("sponsor", "overdue-7"), ("od_manager", "overdue-21")]),
        (68, [("leads", "overdue-1"), ("sponsor", "overdue-7"), ("od_manager", "overdue-63")])])
    def test_every_audience_reached_is_owed_its_latest_rung_then_weekly(self, late, owed):
        """Research IT, 68 days late when first swept: the leads and the sponsor are owed theirs too (the keys of
        rungs already sent are skipped by the outbox), leads first."""
        notices = self.notices(late)
        assert [(n.audience, n.step) for n in notices] == owed
        assert {(n.kind, n.days) for n in notices} == {("overdue", late)}

    def test_keys_are_stable_per_rung(self):
        od = [n for n in self.notices(15) if n.audience == "od_manager"]
        assert od[0].key == next(n.key for n in self.notices(20) if n.audience == "od_manager")
        assert od[0].key != next(n.key for n in self.notices(21) if n.audience == "od_manager")
        assert self.notices(15)[0].key == self.notices(21)[0].key  # the leads' rung is the same one
        assert self.notices(0)[0].key == f"data-insight/launch_held/{self.due.isoformat()}/due"

    def test_policy_changes_the_ladder(self):
        p = Policy(reminder_days_before=(3,), escalation=P.escalation[:1], escalation_repeat_days=2)
        assert [n.step for n in self.notices(-3, p)] == ["before-3"]
        assert self.notices(-4, p) == []
        assert [n.step for n in self.notices(5, p)] == ["overdue-5"]
