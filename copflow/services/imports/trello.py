"""Reading a Trello board's "Export as JSON" into rows an action import checks like a spreadsheet's.

Each card is a row, numbered by its place among the export's cards (1 for the first), and every problem names the
card. A card's owner is its first member, found by e-mail: the address a `--members` file gives for the Trello
username (or full name), else the member's own `email` field when the export carries one (Trello's exports
usually do not). Its status comes from its list: the done list (default "Done") → done; a list named Dropped,
Archived, Cancelled or Won't do, an archived list or an archived card → dropped; a card whose due date is marked
complete → done; any other → open. Its due date is the card's `due`, in the CoP's time zone; its target, the
first label named like one of the charter's annual targets; its notes, the card's description.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from copflow.services import validation as v
from copflow.services.errors import InvalidInput
from copflow.services.imports.reader import MAX_BYTES, FileRefused, ImportRejected, Row, read_table
from lifecycle.action_rules import ActionStatus, match_target
from notifications.input_limits import MAX_ROWS, LimitExceeded, check_json_depth

DROPPED_LISTS = ("dropped", "archived", "cancelled", "canceled", "won't do", "wont do")
MEMBER_ALIASES = {"trello_username": "username", "user": "username", "full_name": "name", "fullname": "name",
                  "email_address": "email", "e_mail": "email"}


class CardRow(Row):
    """A row that names its card in every problem (the card's place alone would be hard to find on a board)."""

    card: str = ""

    def problem(self, column: str, reason: str) -> None:
        super().problem(column, f"card {self.card!r}: {reason}")


@dataclass(frozen=True)
class Board:
    name: str
    rows: list[Row]


def read_members(path: Path) -> dict[str, str]:
    """A --members file: columns `email` and `username` or `name` (Trello's full name); keys are lower-cased."""
    table = read_table(path, aliases=MEMBER_ALIASES)
    table.require("email")
    if "username" not in table.keys and "name" not in table.keys:
        raise FileRefused(table.path, "needs a column username or name beside email")
    found: dict[str, str] = {}
    for row in table.rows:
        addr = row.text("email", required=True)
        try:
            email = v.email(addr, "email") if addr else None
        except InvalidInput as exc:
            row.problem("email", exc.problem)
            email = None
        for key in ("username", "name"):
            text = row.text(key)
            if text and email:
                found[" ".join(text.split()).casefold()] = email
    problems = [p for r in table.rows for p in r.problems]
    if problems:
        raise ImportRejected(table.path, problems)
    return found


def read_board(path: Path, *, members: dict[str, str], done_list: str, timezone: str,
               targets: tuple[str, ...], default_owner: str | None = None) -> Board:
    """The board's cards as rows with cells title, owner, due, status, target, notes (and closed_at)."""
    data = _load(path)
    lists = {str(x.get("id")): x for x in data.get("lists") or [] if isinstance(x, dict)}
    people = {str(m.get("id")): m for m in data.get("members") or [] if isinstance(m, dict)}
    cards = [c for c in data.get("cards") or [] if isinstance(c, dict)]
    if not cards:
        raise FileRefused(str(path), "has no cards: is it a Trello board's JSON export?")
    if len(cards) > MAX_ROWS:
        raise FileRefused(str(path), f"has {len(cards):,} cards, more than the {MAX_ROWS:,} an import reads")
    zone = ZoneInfo(timezone)
    rows: list[Row] = []
    for number, card in enumerate(cards, 1):
        row = CardRow(number, {})
        row.card = " ".join(str(card.get("name") or "").split())[:80]
        the_list = lists.get(str(card.get("idList")), {})
        row.cells = {"title": card.get("name"), "notes": card.get("desc"),
                     "status": _status(card, the_list, done_list).value,
                     "target": next((t for lab in card.get("labels") or [] if isinstance(lab, dict)
                                     if (t := match_target(str(lab.get("name") or ""), targets))), None),
                     "due": _due(row, card.get("due"), zone), "closed_at": _when(card.get("dateLastActivity")),
                     "owner": _owner(row, card, people, members, default_owner)}
        rows.append(row)
    return Board(str(data.get("name") or path.name), rows)


def _load(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise FileRefused(str(path), "no such file")
    if path.stat().st_size > MAX_BYTES:
        raise FileRefused(str(path), f"is more than the {MAX_BYTES:,} bytes an import accepts")
    try:
        text = path.read_bytes().decode("utf-8-sig")
        check_json_depth(text)  # json.loads recurses once per level: 100 KB of "[" would be a RecursionError
        data = json.loads(text)
    except LimitExceeded as exc:
        raise FileRefused(str(path), str(exc)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileRefused(str(path), f"is not JSON ({type(exc).__name__}: {str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or "cards" not in data:
        raise FileRefused(str(path), "is not a Trello board export (no cards)")
    return data


def _status(card: dict[str, Any], the_list: dict[str, Any], done_list: str) -> ActionStatus:
    name = " ".join(str(the_list.get("name") or "").split()).casefold()
    if name == " ".join(done_list.split()).casefold():
        return ActionStatus.DONE
    if card.get("closed") or the_list.get("closed") or name.replace("’", "'") in DROPPED_LISTS:
        return ActionStatus.DROPPED
    return ActionStatus.DONE if card.get("dueComplete") else ActionStatus.OPEN


def _due(row: Row, raw: Any, zone: ZoneInfo) -> date | None:
    if not raw:
        row.problem("due", "has no due date; give it one on the board")
        return None
    when = _when(raw)
    if when is None:
        row.problem("due", f"{raw!r} is not a date")
        return None
    return when.astimezone(zone).date()


def _when(raw: Any) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else None


def _owner(row: Row, card: dict[str, Any], people: dict[str, dict[str, Any]], members: dict[str, str],
           default_owner: str | None) -> str | None:
    ids = [str(i) for i in card.get("idMembers") or []]
    if not ids:
        if default_owner:
            return default_owner
        row.problem("members", "has no member to own it; assign one on the board or give --default-owner")
        return None
    member = people.get(ids[0], {})
    username, full = str(member.get("username") or ids[0]), " ".join(str(member.get("fullName") or "").split())
    addr = members.get(username.casefold()) or (members.get(full.casefold()) if full else None) \
        or (str(member["email"]) if member.get("email") else None)
    if addr is None:
        who = f"{username} ({full})" if full else username
        row.problem("members", f"no e-mail for Trello member {who}; add them to the --members file")
    return addr
