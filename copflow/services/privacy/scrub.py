"""Finding and replacing one person's identifying strings in every text and JSON column of every table.

Generic on purpose: a table added later (web links, action plans) is covered without a change here. A name is
also looked for as HTML (mail bodies), as iCalendar text (SUMMARY, DESCRIPTION) and inside folded iCalendar
lines, where a fold can split an address in two.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Column, String, Table, Text, cast, or_, select, update
from sqlalchemy.orm import Session

from copflow.db.models import Base

# Tables whose rows never hold a person's text: the audit of erasures itself.
SKIPPED_TABLES = frozenset({"erasure"})
# Tables whose `version` is SQLAlchemy's optimistic lock (the charter's `version` is its own text, "1.0").
VERSIONED_TABLES = frozenset({"cop", "actions"})
_FOLD = re.compile(r"\r?\n[ \t]")


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")


@dataclass
class Needles:
    """What identifies one person (their address and name, in each form they are written) and what replaces it."""

    email: str
    name: str
    new_email: str
    new_name: str
    _pattern: re.Pattern[str] = field(init=False, repr=False)
    _replacement: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        forms = {self.email.lower(): self.new_email}
        for variant in (self.name, html.escape(self.name), html.escape(self.name, quote=False),
                        self.name.replace("'", "&#39;").replace('"', "&#34;"), _ics_text(self.name)):
            forms.setdefault(variant.lower(), self.new_name)
        self._replacement = forms
        alternatives = sorted(forms, key=len, reverse=True)  # the longest form first: "O&#39;Neil" before "O"
        self._pattern = re.compile("|".join(re.escape(a) for a in alternatives), re.IGNORECASE)

    @property
    def likes(self) -> list[str]:
        """SQL LIKE patterns that pre-select candidate rows (the exact check is made in Python)."""
        return ["%" + _like_escape(f) + "%" for f in self._replacement]

    def found_in(self, value: Any) -> bool:
        if isinstance(value, str):
            return bool(self._pattern.search(value)) or (_is_calendar(value) and
                                                          bool(self._pattern.search(_FOLD.sub("", value))))
        if isinstance(value, dict):
            return any(self.found_in(k) or self.found_in(v) for k, v in value.items())
        if isinstance(value, list | tuple):
            return any(self.found_in(v) for v in value)
        return False

    def replace(self, value: Any) -> Any:
        """`value` with every form of the person's address and name replaced (strings, and JSON structures)."""
        if isinstance(value, str):
            if _is_calendar(value):
                return _refold(self._sub(_FOLD.sub("", value)))
            return self._sub(value)
        if isinstance(value, dict):
            return {self.replace(k): self.replace(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.replace(v) for v in value]
        return value

    def _sub(self, text: str) -> str:
        return self._pattern.sub(lambda m: self._replacement[m.group(0).lower()], text)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _is_calendar(text: str) -> bool:
    return "BEGIN:VCALENDAR" in text


def _refold(text: str) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    return newline.join(_fold(line, newline) for line in text.split(newline))


def _fold(line: str, newline: str, limit: int = 75) -> str:
    """RFC 5545 folding: lines of at most 75 octets, never splitting a UTF-8 character."""
    parts, current, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append(current)
            current, size = " ", 1
        current += ch
        size += n
    parts.append(current)
    return newline.join(parts)


def text_columns(table: Table) -> tuple[list[Column[Any]], list[Column[Any]]]:
    """(text columns, JSON columns) of a table."""
    texts = [c for c in table.columns if isinstance(c.type, String | Text) and not isinstance(c.type, JSON)]
    jsons = [c for c in table.columns if isinstance(c.type, JSON)]
    return texts, jsons


def tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED_TABLES]


def mentions(s: Session, table: Table, needles: Needles) -> Iterator[dict[str, Any]]:
    """Every row of `table` in which a text or JSON column mentions the person, as a column → value mapping.

    Text columns are pre-selected in SQL (LIKE, case-insensitive); JSON columns (stored with \\u escapes) and
    calendars (folded lines) are read and checked in Python.
    """
    texts, jsons = text_columns(table)
    if not texts and not jsons:
        return
    conditions: list[Any] = [c.ilike(p, escape="\\") for c in texts for p in needles.likes]
    conditions += [c.like("%BEGIN:VCALENDAR%") for c in texts]
    conditions += [cast(c, Text).is_not(None) for c in jsons]
    query = select(table).where(or_(*conditions)).execution_options(yield_per=500)
    for row in s.execute(query).mappings():
        if any(needles.found_in(row[c.name]) for c in (*texts, *jsons)):
            yield dict(row)


def replace_everywhere(s: Session, needles: Needles) -> dict[str, int]:
    """Replace the person's address and name in every table; rows changed per table."""
    changed: dict[str, int] = {}
    for table in tables():
        texts, jsons = text_columns(table)
        key = list(table.primary_key.columns)
        updates = []
        for row in list(mentions(s, table, needles)):
            values = {c.name: needles.replace(row[c.name]) for c in (*texts, *jsons)
                      if needles.found_in(row[c.name])}
            updates.append(({k.name: row[k.name] for k in key}, values))
        for where, values in updates:
            stmt = update(table).where(*[k == where[k.name] for k in key]).values(**values)
            if table.name in VERSIONED_TABLES:  # keep the optimistic lock honest for other writers
                stmt = stmt.values(version=table.c.version + 1)
            s.execute(stmt)
        if updates:
            changed[table.name] = len(updates)
    return changed


def to_json(value: Any) -> Any:
    """A row value as JSON can hold it (dates and times as ISO text)."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))
