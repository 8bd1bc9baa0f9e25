"""The action plan's rules: status changes, overdue, the plan's order, the owner reminder owed on a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from lifecycle.action_rules import (
    ActionEventKind,
    ActionRefused,
    in_plan_order,
    is_overdue,
    match_target,
    reminder_owed,
    status_change,
)
from lifecycle.errors import CopflowError

TODAY = date(2026, 3, 10)


@dataclass(frozen=True)
class A:
    title: str
    due_on: date
    status: str = "open"


def test_allowed_changes_and_their_history_kind():
    assert status_change(1, "open", "done") is ActionEventKind.DONE
    assert status_change(1, "open", "dropped") is ActionEventKind.DROPPED
    assert status_change(1, "done", "open") is ActionEventKind.REOPENED
    assert status_change(1, "dropped", "open") is ActionEventKind.REOPENED
    for current, wanted in (("done", "dropped"), ("dropped", "done"), ("open", "open"), ("done", "done")):
        with pytest.raises(ActionRefused) as refused:
            status_change(7, current, wanted)
        assert isinstance(refused.value, CopflowError) and refused.value.value == wanted


def test_overdue_is_open_and_past_its_day():
    assert is_overdue(A("x", TODAY - timedelta(days=1)), TODAY)
    assert not is_overdue(A("x", TODAY), TODAY)
    assert not is_overdue(A("x", TODAY - timedelta(days=9), "done"), TODAY)


def test_plan_order_overdue_first_then_by_due_date():
    actions = [A("c", TODAY + timedelta(days=5)), A("b", TODAY - timedelta(days=1)), A("a", TODAY),
               A("z", TODAY - timedelta(days=3), "done"), A("B2", TODAY - timedelta(days=1))]
    assert [a.title for a in in_plan_order(actions, TODAY)] == ["b", "B2", "z", "a", "c"]


@pytest.mark.parametrize(("days_until", "status", "owed"), [
    (5, "open", None), (3, "open", 3), (2, "open", 3), (1, "open", 3), (0, "open", 0), (-1, "open", None),
    (3, "done", None), (0, "dropped", None),
])
def test_reminder_owed_is_the_latest_offset_reached(days_until, status, owed):
    assert reminder_owed(status, TODAY + timedelta(days=days_until), TODAY, (3, 0)) == owed


def test_no_offsets_no_reminders_and_targets_match_loosely():
    assert reminder_owed("open", TODAY, TODAY, ()) is None
    assert match_target(" 2  Blog POSTS", ["1 seminar", "2 blog posts"]) == "2 blog posts"
    assert match_target("3 podcasts", ["1 seminar"]) is None
