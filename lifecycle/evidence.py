"""What evidence each gate takes, and its validation at the moment it is recorded.

Recording checks form (types, dates not in the future, counts not negative); whether the evidence is
*enough* to pass the gate is judged later by gates.check_gate, so a partial record can be completed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from lifecycle.errors import InvalidEvidence, Unmet
from lifecycle.safe_text import link_problem, names_a_scheme
from lifecycle.stages import Gate

Value = Any
Parser = Callable[[str, Value, date], tuple[Value, Unmet | None]]


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text, link, date, past_date, bool, count, text_list, date_list, choice, sub_communities
    help: str
    choices: tuple[str, ...] = ()


EVIDENCE_FIELDS: dict[Gate, tuple[Field, ...]] = {
    Gate.CORE_GROUP_FORMED: (
        Field("domain", "text", "the domain statement: the shared practice the CoP is about"),
        Field("formed_on", "past_date", "when the core group agreed to form"),
    ),
    Gate.SPONSOR_MEETING_DONE: (
        Field("held_on", "past_date", "date of the meeting"),
        Field("sponsor_attended", "bool", "did the sponsor attend"),
        Field("notes", "text", "what was agreed: scope, alignment, touchpoints"),
    ),
    Gate.CHARTER_PUBLISHED: (
        Field("version", "text", "charter version, e.g. 1.0"),
        Field("purpose", "text", "why the CoP exists"),
        Field("aims", "text_list", "the CoP's aims"),
        Field("annual_targets", "text_list", "measurable annual targets, '<number> <output>', e.g. '1 seminar'"),
        Field("review_dates", "date_list", "planned review dates (or give review_cadence_months)"),
        Field("review_cadence_months", "count", "review every N months (if no review_dates)"),
        Field("link", "link", "where the charter is published (URL or document)"),
        Field("published_on", "past_date", "date the charter was published"),
    ),
    Gate.LAUNCH_HELD: (
        Field("held_on", "past_date", "date of the launch event"),
        Field("attendance", "count", "how many attended"),
        Field("feedback", "text", "summary of the feedback collected"),
    ),
    Gate.REVIEW_DUE: (
        Field("due_on", "date", "the review date that fell due"),
        Field("reason", "text", "why the review was opened (early reviews)"),
    ),
    Gate.REVIEW_PASSED: (
        Field("evaluation_done", "bool", "the evaluation has run and been read"),
        Field("decided_by", "text", "who decided"),
        Field("reason", "text", "why"),
    ),
    Gate.EVOLVE_DECIDED: (
        Field("kind", "choice", "how the CoP evolves", ("renew", "split", "merge")),
        Field("decided_by", "text", "who decided"),
        Field("reason", "text", "why"),
        Field("children", "sub_communities", "for a split: each sub-community as SLUG:NAME:EMAIL,EMAIL…"),
    ),
    Gate.CLOSE_DECIDED: (
        Field("decided_by", "text", "who decided"),
        Field("reason", "text", "why"),
        Field("closing_date", "date", "the announced closing date (at least the notice period away)"),
        Field("into", "text", "for a merge: the slug of the CoP it merges into"),
    ),
    Gate.ARCHIVE_VERIFIED: (
        Field("archive_path", "text", "where the verified archive is"),
        Field("manifest_sha256", "text", "SHA-256 of the archive's manifest"),
        Field("verified_on", "past_date", "when every checksum was re-read and matched"),
    ),
}

TARGET_RE = re.compile(r"^\s*(\d+)\s+(\S.*?)\s*$")
MAX_TEXT = 10_000


def parse_target(text: str) -> tuple[int, str] | None:
    """'2 blog posts' → (2, 'blog posts'); None when the target has no number (not measurable)."""
    m = TARGET_RE.match(text)
    if not m or int(m.group(1)) <= 0:
        return None
    return int(m.group(1)), m.group(2)


def validate_evidence(gate: Gate, payload: Mapping[str, Value], today: date) -> dict[str, Value]:
    """Return the normalised payload (dates as ISO strings) or raise InvalidEvidence naming every problem."""
    fields = {f.name: f for f in EVIDENCE_FIELDS[gate]}
    problems: list[Unmet] = []
    out: dict[str, Value] = {}
    for key, raw in payload.items():
        f = fields.get(key)
        if f is None:
            problems.append(Unmet("unknown_field", f"{gate.value} has no field {key!r} "
                                  f"(fields: {', '.join(fields)})"))
            continue
        if raw is None or raw == "" or raw == []:
            continue
        value, problem = _parse(f, raw, today)
        if problem:
            problems.append(problem)
        else:
            out[key] = value
    if problems:
        raise InvalidEvidence(gate.value, problems)
    return out


def _parse(f: Field, raw: Value, today: date) -> tuple[Value, Unmet | None]:
    name = f.name
    if f.kind in ("text", "link"):
        if not isinstance(raw, str):
            return None, _beside(name, "not_text", "must be text")
        text = raw.strip()
        if len(text) > MAX_TEXT:
            return None, _beside(name, "too_long", f"is longer than {MAX_TEXT} characters")
        # A link, or a document named in words; what starts like a link must be one (no javascript: …).
        wrong = link_problem(text) if f.kind == "link" and names_a_scheme(text) else None
        if wrong:
            return None, _beside(name, "bad_link", wrong)
        return text, None
    if f.kind in ("date", "past_date"):
        d, problem = _date(name, raw)
        if problem is None and f.kind == "past_date" and d > today:
            return None, _beside(name, "future_date", f"{d.isoformat()} is in the future (today is {today})")
        return (d.isoformat() if problem is None else None), problem
    if f.kind == "bool":
        if isinstance(raw, bool):
            return raw, None
        if isinstance(raw, str) and raw.strip().lower() in ("yes", "true", "y", "1", "no", "false", "n", "0"):
            return raw.strip().lower() in ("yes", "true", "y", "1"), None
        return None, _beside(name, "not_bool", f"must be yes or no, not {raw!r}")
    if f.kind == "count":
        try:
            n = int(raw) if not isinstance(raw, bool) else None
        except (TypeError, ValueError):
            n = None
        if n is None or n < 0 or (isinstance(raw, float) and raw != n):
            return None, _beside(name, "not_count", f"must be a whole number of 0 or more, not {raw!r}")
        return n, None
    if f.kind == "text_list":
        items = raw if isinstance(raw, list) else [raw]
        if not all(isinstance(i, str) for i in items):
            return None, _beside(name, "not_text", "must be a list of text")
        return [i.strip() for i in items if i.strip()], None
    if f.kind == "date_list":
        items = raw if isinstance(raw, list) else [raw]
        dates = []
        for item in items:
            d, problem = _date(name, item)
            if problem:
                return None, problem
            dates.append(d)
        return [d.isoformat() for d in sorted(set(dates))], None
    if f.kind == "sub_communities":
        return _sub_communities(name, raw)
    if f.kind == "choice":
        if raw not in f.choices:
            return None, _beside(name, "bad_choice", f"must be one of {', '.join(f.choices)}, not {raw!r}")
        return raw, None
    raise AssertionError(f"unknown field kind {f.kind}")  # pragma: no cover - table is static


def _beside(name: str, code: str, problem: str) -> Unmet:
    """A problem with the field `name`, said after its name ("held_on must be a date…") or beside it."""
    return Unmet(code, f"{name} {problem}", field=name, problem=problem)


def _sub_communities(name: str, raw: Value) -> tuple[Value, Unmet | None]:
    """Each sub-community of a split as {"slug", "name", "members"}: given so, or as "SLUG:NAME:EMAIL,EMAIL"."""
    out = []
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, str):
            parts = item.split(":", 2)
            item = {"slug": parts[0], "name": parts[1], "members": parts[2].split(",")} if len(parts) == 3 else {}
        members = item.get("members") if isinstance(item, Mapping) else None
        if not (isinstance(item, Mapping) and isinstance(item.get("slug"), str) and isinstance(item.get("name"), str)
                and isinstance(members, list) and all(isinstance(m, str) for m in members)):
            return None, _beside(name, "not_sub_communities", "must list sub-communities as SLUG:NAME:EMAIL,EMAIL…")
        out.append({"slug": item["slug"].strip(), "name": item["name"].strip(),
                    "members": [m.strip().lower() for m in members if m.strip()]})
    return out, None


def _date(name: str, raw: Value) -> tuple[date, Unmet | None]:
    if isinstance(raw, date):
        return raw, None
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip()), None
        except ValueError:
            pass
    return date.min, _beside(name, "bad_date", f"must be a date as YYYY-MM-DD, not {raw!r}")
