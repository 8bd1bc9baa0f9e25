"""Gate checks: each returns every unmet requirement (and criteria warnings), never just the first."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from lifecycle.errors import Unmet
from lifecycle.evidence import parse_target
from lifecycle.policy import Policy
from lifecycle.review_dates import next_review_on
from lifecycle.snapshot import CopSnapshot
from lifecycle.stages import GATE_TITLES, Gate, Role
from lifecycle.table import GATE_PREREQUISITES
from lifecycle.working_days import IsWorkingDay, earliest_closing_on

Check = Callable[[CopSnapshot, Mapping[str, Any], date, Policy], tuple[list[Unmet], list[Unmet]]]


def check_gate(gate: Gate, snap: CopSnapshot, today: date, policy: Policy) -> tuple[list[Unmet], list[Unmet]]:
    """(unmet, warnings) for one gate of `snap` at `today`."""
    evidence = snap.evidence.get(gate)
    unmet: list[Unmet] = []
    if evidence is None and gate not in _DERIVED:
        unmet.append(Unmet(f"{gate.value}.missing", f"no evidence recorded for {GATE_TITLES[gate]}"))
        return unmet, []
    for before in GATE_PREREQUISITES.get(gate, ()):
        if before not in snap.evidence:
            unmet.append(Unmet(f"{gate.value}.order", f"{GATE_TITLES[gate]} needs {GATE_TITLES[before]} first"))
    more, warnings = _CHECKS[gate](snap, evidence or {}, today, policy)
    return unmet + more, warnings


def _require(ev: Mapping[str, Any], gate: Gate, names: dict[str, str]) -> list[Unmet]:
    return [_said(gate, k, msg) for k, msg in names.items() if not ev.get(k)]


def _said(gate: Gate, field: str, problem: str, *, value: str | None = None, limit: str | None = None) -> Unmet:
    """An unmet requirement about one evidence field: "launch held: no launch date" (`problem` without the title)."""
    return Unmet(f"{gate.value}.{field}", f"{GATE_TITLES[gate]}: {problem}", field=field, problem=problem,
                 value=value, limit=limit)


def _core_group(snap: CopSnapshot, ev: Mapping[str, Any], today: date, p: Policy) -> tuple[list[Unmet], list[Unmet]]:
    g = Gate.CORE_GROUP_FORMED
    unmet = _require(ev, g, {"domain": "no domain statement", "formed_on": "no date the core group formed"})
    leads = snap.leads
    lead_emails = {m.email for m in leads}
    if len(lead_emails) < p.min_leads:
        unmet.append(Unmet(f"{g.value}.leads", f"needs at least {p.min_leads} leads (lead or coordinator), "
                                               f"has {len(lead_emails)}"))
    if not snap.with_role(Role.COORDINATOR):
        unmet.append(Unmet(f"{g.value}.coordinator", "needs a coordinator among the leads"))
    if not snap.with_role(Role.SPONSOR):
        unmet.append(Unmet(f"{g.value}.sponsor", "needs a named sponsor"))
    criteria = _diversity(snap, p)
    if p.criteria == "block":
        return unmet + criteria, []
    return unmet, criteria


def _diversity(snap: CopSnapshot, p: Policy) -> list[Unmet]:
    """The high-impact criteria: core group from different departments, not all reporting to one manager."""
    core = snap.core_group
    out: list[Unmet] = []
    departments = {m.department.strip().lower() for m in core if m.department}
    if len(departments) < p.min_departments:
        out.append(Unmet("criteria.departments", f"core group spans {len(departments)} department(s); "
                                                 f"the criteria ask for at least {p.min_departments}"))
    managers = {m.line_manager for m in core if m.line_manager}
    if len(core) >= 2 and len(managers) == 1 and all(m.line_manager for m in core):
        out.append(Unmet("criteria.line_manager", f"every core-group member reports to {managers.pop()}; "
                                                  "the criteria ask for different line managers"))
    return out


def _sponsor_meeting(snap: CopSnapshot, ev: Mapping[str, Any], today: date,
                     p: Policy) -> tuple[list[Unmet], list[Unmet]]:
    g = Gate.SPONSOR_MEETING_DONE
    unmet = _require(ev, g, {"held_on": "no meeting date", "notes": "no notes"})
    if ev.get("sponsor_attended") is not True:
        unmet.append(_said(g, "sponsor_attended", "the sponsor did not attend"))
    return unmet, []


def _charter(snap: CopSnapshot, ev: Mapping[str, Any], today: date, p: Policy) -> tuple[list[Unmet], list[Unmet]]:
    g = Gate.CHARTER_PUBLISHED
    unmet = _require(ev, g, {"version": "no version", "purpose": "no purpose", "aims": "no aims",
                             "annual_targets": "no annual targets", "link": "no link or document",
                             "published_on": "no publication date"})
    for target in ev.get("annual_targets", []):
        if parse_target(target) is None:
            said = f"annual target {target!r} is not measurable (write '<number> <output>', e.g. '1 seminar')"
            unmet.append(Unmet(f"{g.value}.target", said, problem=said, value=target))
    if not ev.get("review_dates") and not ev.get("review_cadence_months"):
        unmet.append(Unmet(f"{g.value}.review", f"{GATE_TITLES[g]}: no review dates or review cadence",
                           problem="no review dates or review cadence"))
    published = ev.get("published_on")
    if published and any(d <= published for d in ev.get("review_dates", [])):
        said = "review dates must come after the charter's publication"
        unmet.append(Unmet(f"{g.value}.review_order", said, problem=said))
    meeting = snap.evidence.get(Gate.SPONSOR_MEETING_DONE, {}).get("held_on")
    if published and meeting and published < meeting:
        unmet.append(Unmet(f"{g.value}.order", "the charter is dated before the sponsor meeting"))
    return unmet, []


def _launch(snap: CopSnapshot, ev: Mapping[str, Any], today: date, p: Policy) -> tuple[list[Unmet], list[Unmet]]:
    g = Gate.LAUNCH_HELD
    unmet = _require(ev, g, {"held_on": "no launch date", "feedback": "no feedback summary"})
    if not ev.get("attendance"):
        unmet.append(_said(g, "attendance", "no attendance count"))
    return unmet, []


def _review_due(snap: CopSnapshot, ev: Mapping[str, Any], today: date, p: Policy) -> tuple[list[Unmet], list[Unmet]]:
    if ev.get("reason"):  # an OD manager may open a review early, with a reason
        return [], []
    due = next_review_on(snap, p)
    if due is None:
        return [Unmet("review_due.no_date", "no review date: the charter has neither dates nor cadence")], []
    if today < due:
        return [Unmet("review_due.not_yet", f"the next review is due on {due.isoformat()} "
                                            "(give a reason to open it early)")], []
    return [], []


def _decision(gate: Gate) -> Check:
    def check(snap: CopSnapshot, ev: Mapping[str, Any], today: date, p: Policy) -> tuple[list[Unmet], list[Unmet]]:
        unmet = _require(ev, gate, {"decided_by": "no record of who decided", "reason": "no reason given"})
        if gate is Gate.REVIEW_PASSED and ev.get("evaluation_done") is not True:
            unmet.append(Unmet(f"{gate.value}.evaluation", "the evaluation has not been done",
                               field="evaluation_done", problem="the evaluation has not been done"))
        if gate is Gate.EVOLVE_DECIDED and not ev.get("kind"):
            said = "say how the CoP evolves: renew, split or merge"
            unmet.append(Unmet(f"{gate.value}.kind", said, field="kind", problem=said))
        if gate is Gate.EVOLVE_DECIDED:
            unmet += _children(snap, ev)
        if gate is Gate.CLOSE_DECIDED:
            unmet += _closing_date(ev, today, p, snap.is_working)
        return unmet, []

    return check


def _closing_date(ev: Mapping[str, Any], today: date, p: Policy, is_working: IsWorkingDay) -> list[Unmet]:
    raw = ev.get("closing_date")
    if not raw:
        return [Unmet("close_decided.closing_date", "no closing date announced", field="closing_date",
                      problem="no closing date announced")]
    earliest = earliest_closing_on(today, p, is_working)
    if date.fromisoformat(raw) < earliest:
        said = (f"closing date {raw} gives less than the {p.notice_period_weeks}-week notice period "
                f"(earliest {earliest.isoformat()})")
        return [Unmet("close_decided.notice", said, field="closing_date", problem=said, value=raw,
                      limit=earliest.isoformat())]
    return []


def _children(snap: CopSnapshot, ev: Mapping[str, Any]) -> list[Unmet]:
    """A split's sub-communities are made of the CoP's own members."""
    members = {m.email for m in snap.members}
    strangers = [e for c in ev.get("children") or () for e in c["members"] if e not in members]
    if not strangers:
        return []
    said = f"{', '.join(dict.fromkeys(strangers))} not a member of {snap.slug}"
    return [Unmet("evolve_decided.members", said, field="children", problem=said, value=strangers[0])]


def _archive(snap: CopSnapshot, ev: Mapping[str, Any], today: date, p: Policy) -> tuple[list[Unmet], list[Unmet]]:
    g = Gate.ARCHIVE_VERIFIED
    unmet = _require(ev, g, {"archive_path": "no archive path", "verified_on": "no verification date"})
    digest = ev.get("manifest_sha256", "")
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        unmet.append(Unmet(f"{g.value}.checksum", "archive verified: no valid manifest SHA-256"))
    return unmet, []


# Gates judged from the CoP's record rather than needing an evidence row to exist first.
_DERIVED = {Gate.REVIEW_DUE}

_CHECKS: dict[Gate, Check] = {
    Gate.CORE_GROUP_FORMED: _core_group,
    Gate.SPONSOR_MEETING_DONE: _sponsor_meeting,
    Gate.CHARTER_PUBLISHED: _charter,
    Gate.LAUNCH_HELD: _launch,
    Gate.REVIEW_DUE: _review_due,
    Gate.REVIEW_PASSED: _decision(Gate.REVIEW_PASSED),
    Gate.EVOLVE_DECIDED: _decision(Gate.EVOLVE_DECIDED),
    Gate.CLOSE_DECIDED: _decision(Gate.CLOSE_DECIDED),
    Gate.ARCHIVE_VERIFIED: _archive,
}
