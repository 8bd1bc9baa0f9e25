"""Fuzzing every importer in-process (issue 28, build 7), on SQLite and PostgreSQL: people, attendance, activities,
survey, and actions from CSV, Excel and a Trello export, with hostile cells, headers and bytes (tests/fuzz_values.py).
Property: an import either succeeds or raises a CopflowError with one line, and a refusal writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from copflow.db.models import Base
from copflow.db.uow import UnitOfWork
from copflow.services.imports.action_rows import import_actions
from copflow.services.imports.activities import import_activities, import_attendance
from copflow.services.imports.people import import_people
from copflow.services.imports.survey import import_survey
from lifecycle import CopflowError
from tests.fuzz_values import FUZZ, SEEDS, cells
from tests.integration.helpers import D, P, at, to_active

NOW = at(120)
COLUMNS = {
    "people": ["email", "name", "department", "line_manager", "cop", "role", "joined_on"],
    "attendance": ["cop", "title", "date", "email", "kind"],
    "activities": ["cop", "kind", "title", "date", "link", "notes"],
    "survey": ["ID", "Completion time", "Email", "Name", "I learn new skills", "I feel I belong"],
    "actions": ["title", "owner", "due", "status", "target", "notes"],
}
IMPORT = {
    "people": lambda url, path: import_people(UnitOfWork(url), path, now=NOW, policy=P),
    "attendance": lambda url, path: import_attendance(UnitOfWork(url), path, by=f"bob@{D}", now=NOW, policy=P),
    "activities": lambda url, path: import_activities(UnitOfWork(url), path, by=f"bob@{D}", now=NOW, policy=P),
    "survey": lambda url, path: import_survey(UnitOfWork(url), path, slug="data-insight", survey="review", now=NOW,
                                              policy=P),
    "actions": lambda url, path: import_actions(UnitOfWork(url), path, slug="data-insight", who=f"bob@{D}",
                                                now=NOW),
}


def counts(url: str) -> dict[str, int]:
    with UnitOfWork(url) as u:
        return {t.name: u.session.scalar(select(func.count()).select_from(t)) or 0
                for t in Base.metadata.sorted_tables}


def holds(url: str, run: object) -> None:
    """The property: success, or one CopflowError of one line and every table as it was."""
    before = counts(url)
    try:
        run()  # type: ignore[operator]
    except CopflowError as exc:
        assert "\n" not in str(exc) and str(exc), repr(exc)
        assert counts(url) == before
    # Anything else propagates: a bug, with its traceback, as the CLI would show it.


@pytest.fixture
def cop(db_url: str) -> str:
    to_active(db_url)
    return db_url


def header(kind: str) -> st.SearchStrategy[list[str]]:
    known = COLUMNS[kind]
    return st.one_of(st.just(known), st.permutations(known),
                     st.lists(st.one_of(st.sampled_from(known), cells), min_size=1, max_size=8))


@st.composite
def sheets(draw: st.DrawFn, kind: str) -> tuple[list[str], list[list[str]]]:
    head = draw(header(kind))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=len(head) + 2), min_size=0, max_size=4))
    return head, rows


def write_csv(path: Path, head: list[str], rows: list[list[str]], encoding: str, delimiter: str) -> Path:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(head)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))
    return path


def write_xlsx(path: Path, head: list[str], rows: list[list[str]]) -> Path:
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [head, *rows]:
        try:
            sheet.append(row)
        except IllegalCharacterError:  # Excel cannot hold it either: the cell is left out, as Excel would
            sheet.append([c if c.isprintable() else "" for c in row])
    book.save(path)
    return path


@pytest.mark.parametrize("kind", list(COLUMNS))
@FUZZ
@given(data=st.data())
def test_an_importer_never_fails_with_a_traceback_and_writes_nothing_when_it_refuses(cop, tmp_path, kind, data):
    head, rows = data.draw(sheets(kind))
    form = data.draw(st.sampled_from(["csv", "csv-utf16", "csv-semicolon", "xlsx"]))
    if form == "xlsx":
        path = write_xlsx(tmp_path / f"{kind}.xlsx", head, rows)
    else:
        path = write_csv(tmp_path / f"{kind}.csv", head, rows, "utf-16" if form == "csv-utf16" else "utf-8",
                         ";" if form == "csv-semicolon" else ",")
    holds(cop, lambda: IMPORT[kind](cop, path))


@FUZZ
@given(raw=st.one_of(st.binary(max_size=300), st.sampled_from(SEEDS).map(str.encode)))
def test_raw_bytes_as_a_spreadsheet_are_refused_in_one_line(cop, tmp_path, raw):
    for suffix in (".csv", ".xlsx"):
        path = tmp_path / f"people{suffix}"
        path.write_bytes(raw)
        holds(cop, lambda p=path: import_people(UnitOfWork(cop), p, now=NOW, policy=P))


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | cells,
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(cells, inner, max_size=4),
                           max_leaves=20)


@st.composite
def boards(draw: st.DrawFn) -> object:
    """A Trello export's shape with hostile values in it, or any JSON at all."""
    card = st.fixed_dictionaries({"id": cells, "name": cells, "idList": st.sampled_from(["l1", "l2", "x"]),
                                  "idMembers": st.lists(st.sampled_from(["m1", "m2"]) | cells, max_size=2),
                                  "due": st.one_of(st.none(), cells, st.just("2025-06-20T12:00:00.000Z")),
                                  "closed": st.booleans() | cells, "desc": cells,
                                  "labels": st.lists(st.fixed_dictionaries({"name": cells}), max_size=2)})
    board = st.fixed_dictionaries({
        "name": cells, "lists": st.just([{"id": "l1", "name": "To do"}, {"id": "l2", "name": "Done"}]),
        "members": st.just([{"id": "m1", "username": "cat", "fullName": "Cat Ng", "email": f"cat@{D}"},
                            {"id": "m2", "username": "zed"}]),
        "cards": st.lists(card, max_size=3)})
    return draw(st.one_of(board, json_values))


@FUZZ
@given(board=boards(), garbage=st.sampled_from(["", "[" * 1000, "{\"cards\": [", "\ufeff{}", "null"]))
def test_a_trello_export_never_fails_with_a_traceback(cop, tmp_path, board, garbage):
    path = tmp_path / "board.json"
    for text in (json.dumps(board), garbage + json.dumps(board)):
        path.write_text(text, encoding="utf-8")
        holds(cop, lambda: import_actions(UnitOfWork(cop), path, slug="data-insight", who=f"bob@{D}", now=NOW,
                                          default_owner=f"cat@{D}"))
