"""Check-in agendas and sponsor briefs on SQLite and PostgreSQL: one per occurrence and person however often the
sweep runs; they follow a moved series; none for a cancelled occurrence or a closed CoP; what they say.

Data and Insight launches on 6 April 2025: check-ins on the second Tuesday from 13 May 2025 (10 June, 8 July …),
sponsor catch-ups every 6 weeks on Thursday from 22 May 2025 (3 July …), at 12:30 in London.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select, update

from copflow.db.models import Cop, Notification
from copflow.db.uow import UnitOfWork
from copflow.services.actions import plan as action_plan
from copflow.services.activities import log_activity
from copflow.services.briefs.queue import queue_briefs
from copflow.services.meetings import changes
from tests.integration.helpers import D, P, to_active
from tests.wording import problems

SLUG = "data-insight"
CORE = [f"ann@{D}", f"bob@{D}", f"cat@{D}"]  # coordinator, lead, core: the check-in's attendees
CATCHUP = [f"ann@{D}", f"bob@{D}", f"dir@{D}"]  # leads and sponsor


def on(day: date, hour: int = 7) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def sweep(url: str, day: date, hour: int = 7):  # type: ignore[no-untyped-def]
    return queue_briefs(UnitOfWork(url), now=on(day, hour), policy=P)


def mails(url: str, kind: str = "checkin_agenda") -> list[Notification]:
    with UnitOfWork(url) as u:
        rows = list(u.session.scalars(select(Notification).where(Notification.kind == kind)
                                      .order_by(Notification.id)))
        u.session.expunge_all()
        return rows


def keys(url: str, kind: str = "checkin_agenda") -> list[str]:
    return [n.idempotency_key for n in mails(url, kind)]


@pytest.fixture
def active(db_url: str) -> str:
    to_active(db_url, SLUG)
    return db_url


def test_one_agenda_per_check_in_and_person_however_often_the_sweep_runs(active):
    assert sweep(active, date(2025, 5, 10)).agendas == 0  # three days before 13 May: not yet
    first = sweep(active, date(2025, 5, 11))
    assert first.agendas == 3 and first.meetings == ["Data and Insight: core group check-in, Tuesday 13 May 2025"]
    assert sweep(active, date(2025, 5, 11), hour=15).agendas == 0  # a second sweep the same day
    assert sweep(active, date(2025, 5, 12)).agendas == 0  # and the next day
    assert sorted(n.recipient for n in mails(active)) == CORE
    assert {k.rsplit("/", 1)[0] for k in keys(active)} == {"data-insight.checkin.1@copflow/agenda/2025-05-13"}
    assert sweep(active, date(2025, 5, 13), hour=12).agendas == 0  # 13:00 in London: the check-in has begun
    assert sweep(active, date(2025, 6, 8)).agendas == 3  # the next occurrence, 10 June
    assert len(mails(active)) == 6


def test_a_missed_sweep_still_sends_the_agenda_before_the_meeting(active):
    assert sweep(active, date(2025, 5, 13)).agendas == 3  # 08:00 in London, the check-in at 12:30


def test_a_cancelled_occurrence_gets_no_agenda_and_the_next_looks_back_past_it(active):
    changes.cancel(UnitOfWork(active), slug=SLUG, meeting="checkin", now=on(date(2025, 6, 1)),
                           occurrence=date(2025, 6, 10))
    for day in (date(2025, 6, 8), date(2025, 6, 9), date(2025, 6, 10)):
        assert sweep(active, day).agendas == 0
    assert sweep(active, date(2025, 7, 6)).agendas == 3
    [text] = {n.body_text for n in mails(active) if n.recipient == f"cat@{D}"}
    assert "since the last check-in on Tuesday 13 May 2025" in text  # not the cancelled 10 June


def test_a_date_the_series_skips_as_a_closure_day_gets_no_agenda(active):
    from dataclasses import replace

    closed_10_june = replace(P, closure_dates=("2025-06-10",))
    changes.reschedule(UnitOfWork(active), slug=SLUG, meeting="checkin", start=time(12, 30),
                               now=on(date(2025, 6, 1)), policy=closed_10_june)  # the series now skips 10 June
    for day in (date(2025, 6, 8), date(2025, 6, 10)):
        assert queue_briefs(UnitOfWork(active), now=on(day), policy=closed_10_june).agendas == 0
    assert queue_briefs(UnitOfWork(active), now=on(date(2025, 7, 6)), policy=closed_10_june).agendas == 3


def test_a_cancelled_series_and_a_closed_cop_get_none(active):
    changes.cancel(UnitOfWork(active), slug=SLUG, meeting="checkin", now=on(date(2025, 5, 1)))
    assert sweep(active, date(2025, 5, 11)).agendas == 0
    assert sweep(active, date(2025, 5, 20)).briefs == 3  # the catch-up (22 May) still has its brief
    with UnitOfWork(active) as u:  # closed, with a series somehow left scheduled: still nothing
        u.session.execute(update(Cop).where(Cop.slug == SLUG).values(stage="closed"))
        u.commit()
    assert sweep(active, date(2025, 7, 1)).briefs == 0 and mails(active, "checkin_agenda") == []


def test_after_a_move_the_agenda_follows_the_new_dates(active):
    sweep(active, date(2025, 5, 11))
    # From June on, the check-ins move to the second Thursday (12 June, 10 July …) at 13:00: a new series.
    changes.reschedule(UnitOfWork(active), slug=SLUG, meeting="checkin", start=datetime(2025, 6, 12, 13),
                               now=on(date(2025, 6, 1)), policy=P, from_day=date(2025, 6, 1))
    assert sweep(active, date(2025, 6, 8)).agendas == 0  # the old 10 June is no more
    assert sweep(active, date(2025, 6, 10)).agendas == 3
    assert {k.rsplit("/", 1)[0] for k in keys(active)} == {"data-insight.checkin.1@copflow/agenda/2025-05-13",
                                                            "data-insight.checkin.2@copflow/agenda/2025-06-12"}
    text = next(n.body_text for n in mails(active) if "2025-06-12" in n.idempotency_key)
    assert "Thursday 12 June 2025, 13:00–13:45" in text and "since the last check-in on Tuesday 13 May 2025" in text
    # The whole series moves again, to the third Thursday: the agenda follows (17 July, not 10 July).
    changes.reschedule(UnitOfWork(active), slug=SLUG, meeting="checkin", start=datetime(2025, 6, 19, 13),
                               now=on(date(2025, 6, 13)), policy=P)
    assert sweep(active, date(2025, 7, 8)).agendas == 0
    assert sweep(active, date(2025, 7, 15)).agendas == 3


def plan(url: str) -> None:
    """Cat's action is overdue by the June check-in, Bob has one open, Ann finished one in between; a lunch and
    learn and a blog post since the May check-in."""
    def add(title: str, owner: str, due: date, target: str | None = None) -> int:
        return action_plan.add_action(UnitOfWork(url), slug=SLUG, title=title, owner=f"{owner}@{D}", due_on=due,
                                  who=f"bob@{D}", via="cli", now=on(date(2025, 5, 2)), target=target).id

    add("Draft the dashboard guide", "cat", date(2025, 5, 30))
    add("Book the autumn seminar", "bob", date(2025, 7, 1), target="1 seminar")
    add("Later for Cat", "cat", date(2025, 8, 1))
    done = add("Run the data needs survey", "ann", date(2025, 6, 20), target="2 blog posts")
    early = add("Done before May", "ann", date(2025, 5, 9))
    action_plan.change_status(UnitOfWork(url), action_id=early, status="done", who=f"ann@{D}", via="cli",
                          now=on(date(2025, 5, 5)))
    action_plan.change_status(UnitOfWork(url), action_id=done, status="done", who=f"ann@{D}", via="web",
                          now=on(date(2025, 5, 28)))
    for kind, title, day, who in (("lunch_and_learn", "Dashboards that get read", date(2025, 5, 20), ("ann", "cat")),
                                  ("blog", "Five questions to ask of any dataset", date(2025, 5, 27), ()),
                                  ("seminar", "Old news", date(2025, 4, 30), ())):
        log_activity(UnitOfWork(url), slug=SLUG, kind=kind, title=title, held_on=day, by=f"bob@{D}",
                     now=on(date(2025, 6, 1)), policy=P, attendees=tuple(f"{w}@{D}" for w in who))


def test_the_agenda_lists_overdue_first_done_since_the_last_check_in_events_outputs_and_the_review(active):
    plan(active)
    sweep(active, date(2025, 6, 8))
    by = {n.recipient: n for n in mails(active) if "2025-06-10" in n.idempotency_key}
    assert sorted(by) == CORE
    text = by[f"cat@{D}"].body_text
    assert by[f"cat@{D}"].subject == "Agenda: Data and Insight core group check-in, Tuesday 10 June 2025 " \
                                     "(1 overdue action)"
    assert "When:   Tuesday 10 June 2025, 12:30–13:15 (UK time)" in text
    assert "THE ACTION PLAN: 3 open actions, 1 of them overdue" in text
    assert text.index("Cat Ng (1 overdue)") < text.index("Bob Kay") < text.index("2. DONE")
    assert "Draft the dashboard guide: OVERDUE, due Friday 30 May 2025 (9 days late)" in text
    assert text.index("Draft the dashboard guide") < text.index("Later for Cat")
    assert 'Book the autumn seminar: due Tuesday 1 July 2025; towards "1 seminar"' in text
    done = text[text.index("2. DONE SINCE THE LAST CHECK-IN (Tuesday 13 May 2025)"):text.index("3. EVENTS")]
    assert "Run the data needs survey (Ann Lee, done Wednesday 28 May 2025)" in done
    assert "Done before May" not in done
    assert 'Lunch and learn "Dashboards that get read", Tuesday 20 May 2025: 2 people came' in text
    assert 'Blog post "Five questions to ask of any dataset", Tuesday 27 May 2025' in text and "Old news" not in text
    assert "The next review begins on Monday 2 March 2026" in text
    assert "/a/" in text  # Cat owns actions: her own actions' link
    assert "/c/" in by[f"ann@{D}"].body_text and "/c/" in by[f"bob@{D}"].body_text  # the leads: their CoP page
    for n in by.values():
        for part in (n.subject, n.body_text, n.body_html or ""):
            assert problems(part) == [], problems(part)


def test_the_sponsor_brief_says_progress_targets_and_what_is_overdue(active):
    plan(active)
    assert sweep(active, date(2025, 5, 20)).briefs == 3  # before the first catch-up (22 May)
    sweep(active, date(2025, 7, 1))  # before the next (3 July)
    by = {n.recipient: n for n in mails(active, "sponsor_brief") if "2025-07-03" in n.idempotency_key}
    assert sorted(by) == CATCHUP
    sponsor = by[f"dir@{D}"]
    assert sponsor.subject == "Data and Insight: progress before your catch-up on Thursday 3 July 2025"
    text = sponsor.body_text
    assert "This is their progress since the last catch-up on Thursday 22 May 2025." in text
    assert "Actions done: 1\n  - Run the data needs survey (Ann Lee, done Wednesday 28 May 2025)" in text
    assert "Events held and outputs made: 1" in text and "Dashboards that get read" not in text  # before 22 May
    assert "ANNUAL TARGETS SO FAR THIS REVIEW YEAR (since Friday 4 April 2025)" in text  # the launch: the review year began
    assert "1 seminar: 1 of 1 held (events recorded as a seminar), met\n" in text
    # The survey done towards "2 blog posts" is named beside the count and not added to it.
    assert "2 blog posts: 1 of 2 made (outputs recorded as a blog post); 1 action done towards it\n" in text
    assert 'Action "Draft the dashboard guide" (Cat Ng) was due on Friday 30 May 2025: 32 days late.' in text
    assert 'Action "Book the autumn seminar"' not in text  # due on 1 July: not overdue on 1 July
    assert "What you can do:" in text and "/c/" not in text and "/a/" not in text  # the sponsor has no link
    assert "/c/" in by[f"ann@{D}"].body_text
    first = next(n for n in mails(active, "sponsor_brief") if n.recipient == f"dir@{D}")
    assert "since the catch-ups began on" in first.body_text


def test_an_action_done_on_the_morning_of_the_last_check_in_is_in_the_next_agenda(active):
    """The agenda for 13 May went on 11 May; Ann finished an action at 08:00 on 13 May, before the 12:30 check-in.
    Done actions and events are counted by one rule, from the last check-in's date: the June agenda lists it."""
    action = action_plan.add_action(UnitOfWork(active), slug=SLUG, title="Send the survey", owner=f"ann@{D}",
                                    due_on=date(2025, 5, 16), who=f"bob@{D}", via="cli", now=on(date(2025, 5, 2))).id
    assert sweep(active, date(2025, 5, 11)).agendas == 3
    action_plan.change_status(UnitOfWork(active), action_id=action, status="done", who=f"ann@{D}", via="web",
                              now=on(date(2025, 5, 13)))  # 08:00 in London
    sweep(active, date(2025, 6, 8))
    [may] = {n.body_text for n in mails(active) if n.recipient == f"cat@{D}" and "2025-05-13" in n.idempotency_key}
    [june] = {n.body_text for n in mails(active) if n.recipient == f"cat@{D}" and "2025-06-10" in n.idempotency_key}
    assert "Send the survey (Ann Lee, done" not in may
    assert "Send the survey (Ann Lee, done Tuesday 13 May 2025)" in june
