"""Which meeting is owed its agenda (or brief) today, what it looks back to, and the plan's order by owner."""

from dataclasses import dataclass
from datetime import date, datetime

from lifecycle.briefs import by_owner, owed_today

MEETINGS = [datetime(2026, 3, 10, 12, 30), datetime(2026, 4, 14, 12, 30), datetime(2026, 5, 12, 12, 30)]


def test_an_agenda_is_owed_from_its_days_before_until_the_meeting_starts():
    assert owed_today(MEETINGS, datetime(2026, 4, 11, 7), 2) == []  # three days before
    [owed] = owed_today(MEETINGS, datetime(2026, 4, 12, 7), 2)
    assert owed.at == MEETINGS[1] and owed.previous == MEETINGS[0]
    assert owed_today(MEETINGS, datetime(2026, 4, 14, 7), 2)[0].at == MEETINGS[1]  # a missed sweep: still owed
    assert owed_today(MEETINGS, datetime(2026, 4, 14, 12, 30), 2) == []  # begun: too late
    assert owed_today(MEETINGS, datetime(2026, 4, 14, 7), 0)[0].at == MEETINGS[1]  # 0: on the day


def test_the_first_meeting_looks_back_to_nothing_and_duplicates_count_once():
    [owed] = owed_today([*MEETINGS, MEETINGS[0]], datetime(2026, 3, 9, 7), 2)
    assert owed.at == MEETINGS[0] and owed.previous is None


@dataclass(frozen=True)
class A:
    title: str
    owner_email: str
    owner_name: str
    due_on: date


def test_owners_with_overdue_actions_come_first_and_overdue_actions_first_within():
    today = date(2026, 4, 12)
    plan = [A("later", "bob@x", "Bob", date(2026, 4, 13)), A("late", "cat@x", "Cat", date(2026, 4, 1)),
            A("soon", "cat@x", "Cat", date(2026, 4, 20)), A("first", "ann@x", "Ann", date(2026, 4, 15)),
            A("very late", "cat@x", "Cat", date(2026, 3, 1))]
    groups = by_owner(plan, today)
    assert [(g.name, g.overdue) for g in groups] == [("Cat", 2), ("Bob", 0), ("Ann", 0)]
    assert [a.title for a in groups[0].actions] == ["very late", "late", "soon"]
