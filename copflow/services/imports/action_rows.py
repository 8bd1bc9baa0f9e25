"""Import a CoP's action plan from a spreadsheet (CSV or Excel) or a Trello board's JSON export: all rows or none.

Spreadsheet columns: title, owner (a member's e-mail), due; optional status (open, done, dropped; default open),
target (one of the charter's annual targets), notes. A Trello export is read into the same rows
(copflow/services/imports/trello.py). Every row is checked as `copflow action add` checks one action, except that
a due date may be in the past (a plan kept elsewhere has overdue and finished actions); an action already in the
plan (same title and due date) is refused, or passed over with `skip_existing`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from copflow.db.models import Action, Cop
from copflow.db.uow import UnitOfWork
from copflow.services.actions.checks import (
    DUE_YEARS_AHEAD,
    charter_targets,
    check_target,
    clean_notes,
    clean_title,
    clean_who,
    member_owner,
)
from copflow.services.actions.plan import insert_action
from copflow.services.clock import cop_date
from copflow.services.imports.common import ImportResult, checked, finish, valid
from copflow.services.imports.reader import Progress, Row, Table, read_table
from copflow.services.imports.trello import read_board, read_members
from copflow.services.snapshots import get_cop
from lifecycle.action_rules import parse_status

ALIASES = {"action": "title", "name": "title", "task": "title", "owner_email": "owner", "owner_e_mail": "owner",
           "email": "owner", "e_mail": "owner", "assignee": "owner", "due_on": "due", "due_date": "due",
           "deadline": "due", "state": "status", "annual_target": "target", "description": "notes"}


def import_actions(uow: UnitOfWork, path: Path, *, slug: str, who: str, now: datetime, dry_run: bool = False,
                   skip_existing: bool = False, members: Path | None = None, done_list: str = "Done",
                   default_owner: str | None = None, progress: Progress | None = None) -> ImportResult:
    """Add every action of the file to the CoP's plan, or nothing. A `.json` file is read as a Trello board's
    export (`members`: a CSV of Trello usernames or full names and e-mails; `done_list`: the list whose cards are
    done; `default_owner`: who owns cards without a member); any other file as a spreadsheet."""
    by = clean_who(who)
    trello = path.suffix.lower() == ".json"
    with uow:
        s = uow.session
        cop = get_cop(s, slug, for_write=True)
        targets = charter_targets(s, cop)
        if trello:
            names = read_members(members) if members else {}
            board = read_board(path, members=names, done_list=done_list, timezone=cop.timezone, targets=targets,
                               default_owner=default_owner)
            table = Table(str(path), [], [], board.rows)
        else:
            table = read_table(path, aliases=ALIASES, progress=progress)
            table.require("title", "owner", "due")
        result = ImportResult("actions", table.path, len(table.rows), dry_run)
        today = cop_date(now, cop.timezone)
        existing = {(t.casefold(), d): i for t, d, i in s.execute(
            select(Action.title, Action.due_on, Action.id).where(Action.cop_id == cop.id))}
        seen: dict[tuple[str, date], int] = {}
        good: list[tuple[Row, dict[str, Any]]] = []
        for row in table.rows:
            values = _checked(row, s, cop, targets, today, multiline=trello)
            if values is None:
                continue
            key = (values["title"].casefold(), values["due_on"])
            if key in seen:
                row.problem("title", f"duplicate of row {seen[key]}")
            elif key in existing and skip_existing:
                result.skipped += 1
            elif key in existing:
                row.problem("title", f"already in the plan as action {existing[key]} (--skip-existing passes "
                                     "over these)")
            else:
                good.append((row, values))
            seen.setdefault(key, row.number)

        def commit() -> None:
            for _, values in good:
                insert_action(s, cop, who=by, via="import", now=now, **values)
            uow.commit()

        result.add("actions added", len(good))
        for closed in ("done", "dropped"):  # "wrote 5 actions added, 1 done, 2 dropped"
            result.add(closed, sum(1 for _, values in good if values["status"] == closed))
        finish(table, table.rows, commit, dry_run)
    return result


def _checked(row: Row, s: Any, cop: Cop, targets: tuple[str, ...], today: date,
             *, multiline: bool) -> dict[str, Any] | None:
    """One row's values as `insert_action` takes them; None (with the row's problems noted) when any is bad."""
    title = valid(row, "title", clean_title) if not multiline else \
        checked(row, "title", clean_title, str(row.cells.get("title") or ""))
    raw_owner = row.cells.get("owner") if multiline else row.text("owner", required=True)
    owner = checked(row, "owner", member_owner, s, cop, raw_owner) if raw_owner else None
    due = row.day("due") if not multiline else row.cells.get("due")
    latest = today + timedelta(days=365 * DUE_YEARS_AHEAD)
    if due is not None and due > latest:
        row.problem("due", f"{due} is more than {DUE_YEARS_AHEAD} years ahead")
    raw_status = row.text("status")
    status = checked(row, "status", parse_status, raw_status) if raw_status else parse_status("open")
    raw_target = row.cells.get("target") if multiline else row.text("target")
    target = checked(row, "target", check_target, cop, raw_target, targets) if raw_target else None
    raw_notes = row.cells.get("notes") if multiline else row.text("notes", limit=2000)
    notes = checked(row, "notes", clean_notes, str(raw_notes)) if raw_notes else None
    if row.problems or title is None or owner is None or not isinstance(due, date) or status is None:
        return None
    closed_at = row.cells.get("closed_at")
    return {"title": title, "owner": owner, "due_on": due, "status": status.value, "target": target,
            "notes": notes, "closed_at": closed_at if isinstance(closed_at, datetime) else None}
