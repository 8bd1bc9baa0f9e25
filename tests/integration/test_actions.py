"""The core group's action plan on SQLite and PostgreSQL: add, close, reopen and edit with their history; every
refusal writes nothing; the plan as the agenda and the evaluation read it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from copflow.db.models import Action, ActionEvent, Cop
from copflow.db.uow import UnitOfWork
from copflow.services.actions import plan as svc
from copflow.services.errors import ConcurrentChange, CopClosed, CopflowError, InvalidInput, NotFound
from copflow.services.people import members
from lifecycle.action_rules import ActionRefused
from lifecycle.errors import UnknownName
from tests.integration.helpers import D, P, at, to_launching

SLUG = "data-insight"
NOW = at(70)  # 17 March 2025
TODAY = NOW.date()


@pytest.fixture
def cop(db_url: str) -> str:
    to_launching(db_url, SLUG)  # charter targets: "1 seminar", "2 blog posts"
    members.add_person(UnitOfWork(db_url), email=f"eve@{D}", name="Eve Out", department="Library", now=at(0))
    return db_url


def add(url: str, title: str = "Book the seminar room", owner: str = f"cat@{D}", due: int = 10, via: str = "cli",
        **kw: object) -> svc.ActionView:
    return svc.add_action(UnitOfWork(url), slug=SLUG, title=title, owner=owner, due_on=TODAY + timedelta(days=due),
                          who=f"bob@{D}", via=via, now=NOW, **kw)  # type: ignore[arg-type]


def counts(url: str) -> tuple[int, int]:
    with UnitOfWork(url) as u:
        return (u.session.scalar(select(func.count()).select_from(Action)) or 0,
                u.session.scalar(select(func.count()).select_from(ActionEvent)) or 0)


def test_add_done_drop_reopen_keep_their_history(cop):
    a = add(cop, target="  1 SEMINAR ", notes="Ask estates first")
    assert (a.cop_slug, a.owner_email, a.owner_name, a.status, a.target, a.overdue, a.closed_at) == \
        (SLUG, f"cat@{D}", "Cat Ng", "open", "1 seminar", False, None)

    done = svc.change_status(UnitOfWork(cop), action_id=a.id, status="done", who=f"cat@{D}", via="web",
                             now=NOW + timedelta(days=1), note="booked B12")
    assert (done.status, done.closed_at) == ("done", NOW + timedelta(days=1))
    reopened = svc.change_status(UnitOfWork(cop), action_id=a.id, status="open", who=f"bob@{D}", via="cli",
                                 now=NOW + timedelta(days=2))
    assert (reopened.status, reopened.closed_at) == ("open", None)
    dropped = svc.change_status(UnitOfWork(cop), action_id=a.id, status="dropped", who=f"bob@{D}", via="cli",
                                now=NOW + timedelta(days=3), note="room closed")
    assert dropped.status == "dropped" and dropped.version > a.version

    history = svc.action_history(UnitOfWork(cop), action_id=a.id)
    assert [(e.kind, e.from_status, e.to_status, e.via, e.note) for e in history] == [
        ("created", None, "open", "cli", None), ("done", "open", "done", "web", "booked B12"),
        ("reopened", "done", "open", "cli", None), ("dropped", "open", "dropped", "cli", "room closed")]
    assert history[1].by == f"cat@{D}"


def test_edit_records_what_changed(cop):
    a = add(cop)
    edited = svc.edit_action(UnitOfWork(cop), action_id=a.id, who=f"bob@{D}", via="web", now=NOW,
                             due_on=TODAY + timedelta(days=20), owner=f"ann@{D}", target="2 blog posts")
    assert (edited.owner_email, edited.due_on, edited.target) == (f"ann@{D}", TODAY + timedelta(days=20),
                                                                  "2 blog posts")
    [_, edit] = svc.action_history(UnitOfWork(cop), action_id=a.id)
    assert edit.kind == "edited" and edit.changes == {
        "owner": [f"cat@{D}", f"ann@{D}"], "due_on": [str(TODAY + timedelta(days=10)), str(TODAY + timedelta(days=20))],
        "target": [None, "2 blog posts"]}
    cleared = svc.edit_action(UnitOfWork(cop), action_id=a.id, who=f"bob@{D}", via="cli", now=NOW, target="")
    assert cleared.target is None


@pytest.mark.parametrize(("change", "error", "field"), [
    ({"owner": f"eve@{D}"}, InvalidInput, "owner"),  # a person, but not a member
    ({"owner": f"nobody@{D}"}, InvalidInput, "owner"),
    ({"owner": "not-an-address"}, InvalidInput, "owner"),
    ({"target": "3 podcasts"}, InvalidInput, "target"),
    ({"due": -1}, InvalidInput, "due"),
    ({"due": 365 * 6}, InvalidInput, "due"),
    ({"title": " "}, InvalidInput, "title"),
    ({"title": "two\nlines"}, InvalidInput, "title"),
    ({"notes": "x" * 4001}, InvalidInput, "notes"),
    ({"via": "fax"}, InvalidInput, "via"),
])
def test_refusals_write_nothing(cop, change, error, field):
    add(cop)
    before = counts(cop)
    with pytest.raises(error) as err:
        add(cop, **change)
    assert err.value.field == field
    assert counts(cop) == before


def test_status_changes_the_plan_does_not_allow(cop):
    a = add(cop)
    svc.change_status(UnitOfWork(cop), action_id=a.id, status="done", who="bob", via="cli", now=NOW)
    before = counts(cop)
    with pytest.raises(ActionRefused) as refused:
        svc.change_status(UnitOfWork(cop), action_id=a.id, status="dropped", who="bob", via="cli", now=NOW)
    assert (refused.value.current, refused.value.wanted) == ("done", "dropped") and "reopen it first" in str(
        refused.value)
    with pytest.raises(UnknownName):
        svc.change_status(UnitOfWork(cop), action_id=a.id, status="finished", who="bob", via="cli", now=NOW)
    with pytest.raises(NotFound):
        svc.change_status(UnitOfWork(cop), action_id=a.id + 99, status="open", who="bob", via="cli", now=NOW)
    with pytest.raises(NotFound):  # an owner's page reaches only their own actions
        svc.change_status(UnitOfWork(cop), action_id=a.id, status="open", who="ann", via="web", now=NOW,
                          owner=f"ann@{D}")
    with pytest.raises(NotFound):
        svc.change_status(UnitOfWork(cop), action_id=a.id, status="open", who="bob", via="cli", now=NOW,
                          slug="other-cop")
    with pytest.raises(ConcurrentChange):  # a form read before the change above
        svc.change_status(UnitOfWork(cop), action_id=a.id, status="open", who="bob", via="web", now=NOW,
                          version=a.version)
    with pytest.raises(InvalidInput):
        svc.edit_action(UnitOfWork(cop), action_id=a.id, who="bob", via="cli", now=NOW, title="Book the seminar room")
    assert counts(cop) == before


def test_a_closed_cop_refuses_changes(cop):
    a = add(cop)
    with UnitOfWork(cop) as u:
        u.session.get(Cop, 1).stage = "closed"  # type: ignore[union-attr]
        u.commit()
    with pytest.raises(CopClosed):
        svc.change_status(UnitOfWork(cop), action_id=a.id, status="done", who="bob", via="cli", now=NOW)
    with pytest.raises(CopflowError):
        add(cop)
    assert [x.status for x in svc.list_actions(UnitOfWork(cop), slug=SLUG, now=NOW)] == ["open"]


def test_the_plan_puts_overdue_first_and_the_window_holds_what_was_closed(cop):
    late = add(cop, title="Write the blog post", due=1, owner=f"ann@{D}")
    soon = add(cop, title="Invite speakers", due=3)
    later = add(cop, title="Order coffee", due=30)
    closed = add(cop, title="Draft the agenda", due=5)
    svc.change_status(UnitOfWork(cop), action_id=closed.id, status="done", who="cat", via="cli",
                      now=NOW + timedelta(days=2))
    when = TODAY + timedelta(days=2)
    listed = svc.list_actions(UnitOfWork(cop), slug=SLUG, now=NOW + timedelta(days=2))
    assert [(x.title, x.overdue) for x in listed] == [
        ("Write the blog post", True), ("Invite speakers", False), ("Draft the agenda", False),
        ("Order coffee", False)]
    assert [x.id for x in svc.list_actions(UnitOfWork(cop), slug=SLUG, now=NOW, owner=f"ann@{D}")] == [late.id]
    assert [x.id for x in svc.list_actions(UnitOfWork(cop), slug=SLUG, now=NOW, status="done")] == [closed.id]
    with UnitOfWork(cop) as u:
        cop_id = u.session.scalar(select(Cop.id).where(Cop.slug == SLUG))
        assert cop_id is not None
        assert [x.id for x in svc.plan_of(u.session, cop_id, today=when)] == [late.id, soon.id, later.id]
        window = svc.changes_between(u.session, cop_id, NOW, NOW + timedelta(days=3))
        assert [(x.id, x.status) for x in window] == [(closed.id, "done")]
        assert svc.changes_between(u.session, cop_id, NOW + timedelta(days=3), NOW + timedelta(days=9)) == []
        assert len(svc.actions_of(u.session, cop_id, today=when)) == 4
    assert date.fromisoformat(str(listed[0].due_on)) == TODAY + timedelta(days=1)


def test_an_owner_is_erased_from_actions_and_their_export_lists_them(cop, tmp_path):
    import json
    import zipfile

    from copflow.services.privacy.erasure import erase_person
    from copflow.services.privacy.export import export_person
    from tests.integration.privacy_helpers import find_everywhere

    a = add(cop, notes="Cat Ng asks cat@uni.example.org's team")
    svc.change_status(UnitOfWork(cop), action_id=a.id, status="done", who=f"cat@{D}", via="web", now=NOW,
                      note="done by Cat Ng")
    result = export_person(UnitOfWork(cop), email=f"cat@{D}", out=tmp_path / "cat.zip", now=NOW)
    with zipfile.ZipFile(result.path) as z:
        [row] = json.loads(z.read("actions.json"))
        events = json.loads(z.read("action_events.json"))
        summary = z.read("summary.md").decode()
    assert (row["title"], row["owner_email"], row["cop"]) == ("Book the seminar room", f"cat@{D}", SLUG)
    assert [e["kind"] for e in events] == ["done"] and "Book the seminar room (data-insight)" in summary

    erase_person(UnitOfWork(cop), email=f"cat@{D}", by=f"odm@{D}", now=NOW, policy=P)
    assert find_everywhere(cop, f"cat@{D}", "Cat Ng") == []
    [kept] = svc.list_actions(UnitOfWork(cop), slug=SLUG, now=NOW)  # the action stays, under the pseudonym
    assert kept.owner_email.endswith("@erased.invalid") and kept.status == "done"


def test_a_due_date_off_work_is_named_by_the_cops_calendar(cop):
    from copflow.services.actions.due_days import day_off

    with UnitOfWork(cop) as u:
        u.session.scalars(select(Cop).where(Cop.slug == SLUG)).one().public_holidays = "GB-SCT"
        u.commit()
    said = {day: day_off(UnitOfWork(cop), slug=SLUG, day=day, policy=P)
            for day in (date(2025, 3, 22), date(2025, 8, 4), date(2025, 8, 25), date(2025, 3, 18))}
    assert said == {date(2025, 3, 22): "a Saturday", date(2025, 8, 4): "Summer Bank Holiday",  # Scotland's
                    date(2025, 8, 25): None, date(2025, 3, 18): None}  # England's bank holiday; a Tuesday


def test_an_owner_reopens_what_they_closed_but_not_what_a_lead_closed(cop):
    """Issue 29 item 4: owners reopen from their own page (`owner`), the service saying which they may."""
    mine, dropped = add(cop), add(cop, title="Print the posters")
    svc.change_status(UnitOfWork(cop), action_id=mine.id, status="done", who=f"cat@{D}", via="web", now=NOW,
                      owner=f"cat@{D}")
    again = svc.change_status(UnitOfWork(cop), action_id=mine.id, status="open", who=f"cat@{D}", via="web", now=NOW,
                              owner=f"cat@{D}")
    assert again.status == "open"
    svc.change_status(UnitOfWork(cop), action_id=dropped.id, status="dropped", who=f"bob@{D}", via="cli", now=NOW)
    before = counts(cop)
    with pytest.raises(InvalidInput, match=f"dropped by bob@{D}") as refused:
        svc.change_status(UnitOfWork(cop), action_id=dropped.id, status="open", who=f"cat@{D}", via="web", now=NOW,
                          owner=f"cat@{D}")
    assert refused.value.field == "status" and counts(cop) == before
