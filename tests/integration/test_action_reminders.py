"""Owner reminders on SQLite and PostgreSQL: once per offset (3 days before, on the day), again after the due date
moves, none for closed actions, closed CoPs or owners who left, and never escalated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from copflow.db.models import Cop, Link, Notification
from copflow.db.uow import UnitOfWork
from copflow.services.actions import plan as svc
from copflow.services.actions.reminders import remind_owners
from copflow.services.links import signed as links
from copflow.services.people.roster import end_membership
from lifecycle import Policy
from tests.acting import OD
from tests.integration.helpers import D, P, as_sent, at, to_launching

SLUG = "data-insight"
NOW = at(70)  # Monday 17 March 2025, 09:00 UTC
WEB = "https://cops.uni.example.org"


@pytest.fixture
def cop(db_url: str) -> str:
    to_launching(db_url, SLUG)
    return db_url


def add(url: str, due_in: int, owner: str = f"cat@{D}", title: str = "Book the seminar room") -> svc.ActionView:
    return svc.add_action(UnitOfWork(url), slug=SLUG, title=title, owner=owner, due_on=NOW.date() + timedelta(
        days=due_in), who=f"bob@{D}", via="cli", now=NOW)


def sweep(url: str, day: int, policy: Policy = P) -> int:
    return remind_owners(UnitOfWork(url), now=NOW + timedelta(days=day), policy=policy, web_url=WEB).queued


def mail(url: str) -> list[Notification]:
    with UnitOfWork(url) as u:
        return list(u.session.scalars(select(Notification).where(Notification.kind == "action_reminder")
                                      .order_by(Notification.id)))


def test_reminded_once_per_offset_with_a_link_to_the_owners_page(cop):
    a = add(cop, 5, title="Book the seminar room")
    add(cop, 40, title="Invite two speakers")  # named in the reminder as another open action of Cat's
    assert [sweep(cop, d) for d in (0, 1)] == [0, 0]  # 5 and 4 days ahead: nothing yet
    assert sweep(cop, 2) == 1 and sweep(cop, 2) == 0  # 3 days before; a re-run sends nothing again
    assert sweep(cop, 3) == 0 and sweep(cop, 4) == 0  # 2 and 1 days before: the 3-day one was sent
    assert sweep(cop, 5) == 1  # on the day
    assert sweep(cop, 6) == 0 and sweep(cop, 30) == 0  # overdue: no reminder and no escalation
    sent = mail(cop)
    assert [m.recipient for m in sent] == [f"cat@{D}", f"cat@{D}"]
    assert [m.idempotency_key for m in sent] == [
        f"{SLUG}/action/{a.id}/2025-03-22/before-3/cat@{D}", f"{SLUG}/action/{a.id}/2025-03-22/due/cat@{D}"]
    assert sent[0].subject == "Reminder: “Book the seminar room” for Data and Insight is due on Saturday 22 March 2025"
    assert sent[1].subject == "Due today: “Book the seminar room” for Data and Insight"
    assert "Invite two speakers, due Saturday 26 April 2025" in sent[0].body_text
    assert "tell Ann Lee and Bob Kay" in sent[0].body_text
    # The link opens Cat's own actions in this CoP, and nothing else.
    url = next(line.strip() for line in as_sent(cop, sent[0]).splitlines() if line.strip().startswith(WEB))
    assert url.startswith(f"{WEB}/a/")
    grant = links.resolve(UnitOfWork(cop), links.token_of(url), now=NOW, purpose="actions")
    assert (grant.email, grant.cop_slug, grant.purpose) == (f"cat@{D}", SLUG, "actions")
    with UnitOfWork(cop) as u:
        assert len(list(u.session.scalars(select(Link).where(Link.purpose == "actions")))) == 2


def test_a_moved_due_date_is_reminded_again_and_a_missed_sweep_catches_up_once(cop):
    a = add(cop, 3)
    assert sweep(cop, 0) == 1
    svc.edit_action(UnitOfWork(cop), action_id=a.id, who=f"bob@{D}", via="cli", now=NOW,
                    due_on=NOW.date() + timedelta(days=10))
    assert [sweep(cop, d) for d in range(0, 7)] == [0, 0, 0, 0, 0, 0, 0]
    assert sweep(cop, 8) == 1  # the sweep of day 7 was missed: day 8 still owes the 3-day reminder, once
    assert sweep(cop, 9) == 0 and sweep(cop, 10) == 1
    assert [m.idempotency_key.split("/")[3:5] for m in mail(cop)] == [
        ["2025-03-20", "before-3"], ["2025-03-27", "before-3"], ["2025-03-27", "due"]]


def test_none_for_closed_actions_closed_cops_or_owners_who_left(cop):
    done = add(cop, 0, title="Done already")
    svc.change_status(UnitOfWork(cop), action_id=done.id, status="done", who="cat", via="cli", now=NOW)
    dropped = add(cop, 0, title="Dropped", owner=f"ann@{D}")
    svc.change_status(UnitOfWork(cop), action_id=dropped.id, status="dropped", who="ann", via="cli", now=NOW)
    add(cop, 0, title="Bob's", owner=f"bob@{D}")
    add(cop, 1, title="Cat's, tomorrow")
    assert sweep(cop, 0) == 2  # Bob's (due today) and Cat's (the 3-day reminder)
    end_membership(UnitOfWork(cop), slug=SLUG, email=f"cat@{D}", now=NOW, policy=P, acting=OD)
    assert sweep(cop, 1) == 0  # Cat has left: her action waits for the next agenda
    add(cop, 2, title="Ann's", owner=f"ann@{D}")
    with UnitOfWork(cop) as u:
        u.session.execute(update(Cop).values(stage="closed"))
        u.commit()
    assert sweep(cop, 0) == 0 and sweep(cop, 2) == 0  # a closed CoP: nothing
    assert sorted(m.recipient for m in mail(cop)) == [f"bob@{D}", f"cat@{D}"]


def test_the_policy_sets_the_offsets_and_nothing_ever_goes_to_the_sponsor_or_od_manager(cop):
    add(cop, 7)
    policy = Policy(action_reminder_days=(7, 1))
    assert sweep(cop, 0, policy) == 1 and sweep(cop, 6, policy) == 1 and sweep(cop, 7, policy) == 0
    assert sweep(cop, 40, policy) == 0
    assert remind_owners(UnitOfWork(cop), now=NOW, policy=Policy(action_reminder_days=()), web_url=WEB).queued == 0
    with UnitOfWork(cop) as u:
        since = set(u.session.scalars(select(Notification.recipient).where(Notification.created_at >= NOW)))
    assert since == {f"cat@{D}"}  # the owner alone, however late the action
