"""Importing an action plan on SQLite and PostgreSQL: a spreadsheet, a Trello board's JSON export (members matched
by e-mail through a --members file), all or nothing with every bad row named, dry runs that write nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from copflow.db.models import Action, ActionEvent
from copflow.db.uow import UnitOfWork
from copflow.services.actions.plan import action_history, list_actions
from copflow.services.imports import FileRefused, ImportRejected
from copflow.services.imports.action_rows import import_actions
from tests.integration.helpers import D, at, to_launching

SLUG = "data-insight"
NOW = at(70)  # Monday 17 March 2025
BOARD = Path(__file__).resolve().parents[1] / "corpus" / "trello_board.json"
MEMBERS = f"username,email\nannlee,ann@{D}\nbobkay3,bob@{D}\ncatng,cat@{D}\n"


@pytest.fixture
def cop(db_url: str) -> str:
    to_launching(db_url, SLUG)  # members ann, bob, cat, dir, odm; charter targets "1 seminar", "2 blog posts"
    return db_url


def run(url: str, path: Path, **kw: object):  # type: ignore[no-untyped-def]
    return import_actions(UnitOfWork(url), path, slug=SLUG, who=f"bob@{D}", now=NOW, **kw)  # type: ignore[arg-type]


def counts(url: str) -> tuple[int, int]:
    with UnitOfWork(url) as u:
        return (u.session.scalar(select(func.count()).select_from(Action)) or 0,
                u.session.scalar(select(func.count()).select_from(ActionEvent)) or 0)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_spreadsheet_plan_lands_with_its_history(cop, tmp_path):
    plan = write(tmp_path, "plan.csv", "Title,Owner email,Due date,Status,Target,Notes\n"
                 f"Book the seminar room,cat@{D},2025-03-27,,1 Seminar,Room B12\n"
                 f"Set up the Teams channel,BOB@{D},01/03/2025,done,,\n"
                 f"Podcast pilot,ann@{D},2025-04-01,dropped,,no budget\n")
    assert run(cop, plan, dry_run=True).counts == {"actions added": 3, "done": 1, "dropped": 1}
    assert counts(cop) == (0, 0)

    result = run(cop, plan)
    assert result.summary() == f"{plan}: 3 rows good; wrote 3 actions added, 1 done, 1 dropped"
    one = result.__class__("actions", "plan.csv", 1, dry_run=False, counts={"actions added": 1, "done": 0})
    assert one.summary() == "plan.csv: 1 row good; wrote 1 action added"  # not "1 rows good; 1 actions added"
    rows = list_actions(UnitOfWork(cop), slug=SLUG, now=NOW)
    assert [(r.title, r.owner_email, r.due_on, r.status, r.target) for r in rows] == [
        ("Set up the Teams channel", f"bob@{D}", date(2025, 3, 1), "done", None),
        ("Book the seminar room", f"cat@{D}", date(2025, 3, 27), "open", "1 seminar"),
        ("Podcast pilot", f"ann@{D}", date(2025, 4, 1), "dropped", None)]
    [created] = action_history(UnitOfWork(cop), action_id=rows[0].id)
    assert (created.kind, created.to_status, created.via, created.by) == ("created", "done", "import", f"bob@{D}")

    with pytest.raises(ImportRejected) as again:  # the same file twice: already in the plan
        run(cop, plan)
    assert [p.row for p in again.value.problems] == [2, 3, 4]
    assert "already in the plan as action" in again.value.problems[0].reason
    assert run(cop, plan, skip_existing=True).skipped == 3
    assert counts(cop) == (3, 3)


def test_every_bad_row_is_named_and_nothing_is_written(cop, tmp_path):
    people_before = counts(cop)
    plan = write(tmp_path, "plan.csv", "title,owner,due,status,target\n"
                 f"Fine,cat@{D},2025-04-01,,\n"
                 "Not a member,someone@elsewhere.org,2025-04-01,,\n"
                 f"Unknown target,cat@{D},2025-04-01,,3 podcasts\n"
                 f"Bad date,cat@{D},next week,,\n"
                 f"Bad status,cat@{D},2025-04-01,finished,\n"
                 f"Far ahead,cat@{D},2095-04-01,,\n"
                 f",cat@{D},2025-04-01,,\n"
                 f"Fine,cat@{D},2025-04-01,,\n")
    with pytest.raises(ImportRejected) as err:
        run(cop, plan)
    assert [(p.row, p.column) for p in err.value.problems] == [
        (3, "owner"), (4, "target"), (5, "due"), (6, "status"), (7, "due"), (8, "title"), (9, "title")]
    reasons = [p.reason for p in err.value.problems]
    assert "someone@elsewhere.org is not a current member of data-insight" in reasons[0]
    assert "'3 podcasts' is not one of data-insight's annual targets (1 seminar; 2 blog posts)" in reasons[1]
    assert reasons[-1] == "duplicate of row 2"
    assert counts(cop) == people_before


def test_a_trello_board_becomes_the_plan(cop, tmp_path):
    members = write(tmp_path, "members.csv", MEMBERS)
    assert run(cop, BOARD, members=members, dry_run=True).rows == 5
    assert counts(cop) == (0, 0)

    result = run(cop, BOARD, members=members)
    assert result.counts == {"actions added": 5, "done": 1, "dropped": 2}
    rows = {r.title: r for r in list_actions(UnitOfWork(cop), slug=SLUG, now=NOW)}
    seminar, blog = rows["Book the seminar room"], rows["Draft the first blog post"]
    assert (seminar.owner_email, seminar.due_on, seminar.status, seminar.target, seminar.notes) == (
        f"cat@{D}", date(2025, 3, 27), "open", "1 seminar", "Room B12 seats 40; ask Estates about the projector.")
    # The first member owns the card; the label names the target; the description keeps its paragraphs.
    assert (blog.owner_email, blog.target, blog.overdue) == (f"ann@{D}", "2 blog posts", True)
    assert blog.notes is not None and "\n\nOutline agreed" in blog.notes
    assert rows["Set up the Teams channel"].status == "done"  # in the Done list
    assert rows["Article for the staff newsletter"].status == "dropped"  # the "Won’t do" list
    podcast = rows["Podcast pilot"]  # an archived card
    assert podcast.status == "dropped" and podcast.closed_at is not None and podcast.closed_at.day == 6


def test_a_trello_member_without_an_address_refuses_the_board_whole(cop, tmp_path):
    members = write(tmp_path, "members.csv", f"username,email\nannlee,ann@{D}\nbobkay3,bob@{D}\n")  # no catng
    with pytest.raises(ImportRejected) as err:
        run(cop, BOARD, members=members)
    [problem] = err.value.problems
    assert (problem.row, problem.column) == (1, "members")
    assert problem.reason == ("card 'Book the seminar room': no e-mail for Trello member catng (Cat Ng); "
                              "add them to the --members file")
    assert counts(cop) == (0, 0)


def test_a_trello_member_who_is_not_in_the_cop_and_a_card_without_due_date(cop, tmp_path):
    board = json.loads(BOARD.read_text(encoding="utf-8"))
    board["cards"][2]["due"] = None
    board["members"].append({"id": "6f0e1d2c3b4a59687766554d", "fullName": "Dev Patel", "username": "devpatel",
                             "email": "dev.patel@elsewhere.org"})
    board["cards"][3]["idMembers"] = ["6f0e1d2c3b4a59687766554d"]
    path = write(tmp_path, "board.json", json.dumps(board))
    with pytest.raises(ImportRejected) as err:
        run(cop, path, members=write(tmp_path, "members.csv", MEMBERS), done_list="Doing")
    assert [(p.row, p.column) for p in err.value.problems] == [(3, "due"), (4, "owner")]
    assert err.value.problems[0].reason == "card 'Set up the Teams channel': has no due date; give it one on the board"
    assert "card 'Article for the staff newsletter': dev.patel@elsewhere.org is not a current member" in \
        err.value.problems[1].reason
    assert counts(cop) == (0, 0)


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", "is not JSON"),
    ('{"lists": []}', "is not a Trello board export"),
    ('{"cards": []}', "has no cards"),
])
def test_files_that_are_not_a_board_are_refused(cop, tmp_path, text, message):
    with pytest.raises(FileRefused, match=message):
        run(cop, write(tmp_path, "board.json", text))
