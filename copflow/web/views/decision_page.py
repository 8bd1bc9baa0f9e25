"""The OD manager's review decision by signed link: what the page shows (the evaluation's recommendation, its
strengths and weaknesses, the deadline; or, once decided, what was decided) and taking the decision.

No rule lives here: the decision goes through `decide_review` (pass, evolve by renewing, close) or
`evolve.split` / `evolve.merge`, exactly as `copflow review decide`, `copflow cop split` and `copflow cop merge`
take it; every problem they find is put beside the form field it belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Cop, Document, GateEvidence, TransitionRecord
from copflow.db.uow import UnitOfWork
from copflow.services.clock import local_date
from copflow.services.errors import CopflowError, InvalidInput
from copflow.services.evaluation.review_report import REPORT_HTML
from copflow.services.links.signed import Grant, LinkNotFound, find_with_cop
from copflow.services.reviews.evolve import Child
from copflow.services.snapshots import get_cop
from copflow.services.transitions import AdvanceResult
from copflow.services.validation import substantial_reason
from copflow.services.workdays import decision_deadline_of
from copflow.web.views.decision_confirm import asks_first
from copflow.web.views.naming import named
from lifecycle import InvalidEvidence, Policy, Role, Stage, TransitionRefused, Unmet
from notifications.vocabulary import date_from_words, long_date, plain

GENERAL = "_general"
CHOICES = ("pass", "renew", "split", "merge", "close")  # evolving is one of renew, split, merge
_DECIDED = {Stage.ACTIVE.value: "pass", Stage.PLANNING.value: "evolve", Stage.CLOSING.value: "close"}


@dataclass(frozen=True)
class Decided:
    decision: str  # pass, evolve or close
    kind: str | None  # for evolve: renew, split or merge
    to_stage: str
    by: str
    at: str  # ISO, UTC
    reason: str


@dataclass
class DecisionView:
    slug: str
    cop_name: str
    zone: str
    recommendation: str
    strengths: list[str]
    weaknesses: list[str]
    decide_by: str  # ISO
    days_left: int
    merge_into: list[tuple[str, str]]  # (slug, name) of the CoPs it could merge into
    members: list[tuple[str, str]]  # (email, name): who can go to a sub-community
    decided: Decided | None = None
    holder: str = ""  # who is deciding: "Oda Mann (odm@uni.example.org)"
    report: bool = False  # whether the review has a report (the page links it: /d/{token}/report)
    values: dict[str, str] = field(default_factory=dict)  # what was typed (after a refusal)
    problems: dict[str, list[str]] = field(default_factory=dict)  # field (or GENERAL) → messages


class DecisionRefused(CopflowError):
    """The form's problems, each beside its field; nothing was decided."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(m for ms in problems.values() for m in ms), field=next(iter(problems)))


def od_holder(uow: UnitOfWork, token: str, *, now: datetime, od_manager: str | None) -> Grant:
    """A valid decision link whose holder is still the CoP's OD manager (its contact, or the configured one)."""
    with uow:
        grant, cop = find_with_cop(uow.session, token, now=now, purpose="decision")
        contacts = {m.person.email for m in cop.memberships
                    if m.left_on is None and m.role == Role.OD_MANAGER_CONTACT.value}
        if grant.email in contacts or (od_manager and grant.email == od_manager.lower()):
            return grant
        raise LinkNotFound()


def decision_view(uow: UnitOfWork, grant: Grant, *, now: datetime, policy: Policy) -> DecisionView:
    """The review of the link's stage visit: open (the evaluation as it stands today) or decided (what was)."""
    from copflow.services.evaluation.review_report import gather, period_of
    from lifecycle.review_metrics import evaluate_period

    with uow:
        s = uow.session
        assert grant.cop_slug is not None
        cop = get_cop(s, grant.cop_slug)
        today = local_date(now, policy)
        deadline = decision_deadline_of(cop, policy)
        view = DecisionView(cop.slug, cop.name, cop.timezone, "", [], [], deadline.isoformat(),
                            (deadline - today).days, _open_cops(s, cop), _members(cop))
        view.holder = named(s, grant.email)
        view.report = s.scalar(select(Document.id).where(
            Document.cop_id == cop.id, Document.kind == REPORT_HTML, Document.stage_visit == grant.stage_visit)
            .limit(1)) is not None
        if cop.stage != Stage.REVIEWING.value or grant.stage_visit != cop.stage_visit:
            view.decided = _decided(s, cop, grant.stage_visit)
            if view.decided is None:
                raise LinkNotFound()  # a review this link was not made for
            return view
        rec = evaluate_period(gather(s, cop, period_of(cop), today, policy)).recommendation
        view.recommendation = rec.decision
        view.strengths = [plain(x) for x in rec.strengths]
        view.weaknesses = [plain(x) for x in (*rec.reasons, *rec.weaknesses)]
        return view


def take_decision(uow_factory: Callable[[], UnitOfWork], grant: Grant, form: dict[str, str], *, now: datetime,
                  policy: Policy, reports_dir: Path | None, od_manager: str | None, via: str = "web") -> AdvanceResult:
    """Decide the review as the link's holder ("via web"; the console's "via console by <name>"); returns the
    transition (its events among it). DecisionRefused (nothing written) lists every problem by field."""
    from copflow.services.reviews import evolve
    from copflow.services.reviews.decide import decide_review

    view = decision_view(uow_factory(), grant, now=now, policy=policy)
    if view.decided is not None:
        raise DecisionRefused({GENERAL: ["This review has been decided already: it cannot be decided again."]})
    choice, reason = form.get("decision", ""), form.get("reason", "").strip()
    problems: dict[str, list[str]] = {}
    if choice not in CHOICES:
        problems["decision"] = ["Choose pass, evolve (renew, split or merge) or close."]
    if not reason:
        problems["reason"] = ["Say why: the reason is kept in the audit trail and sent to the leads."]
    elif asks_first(choice, view.recommendation):  # the services refuse it too: here it is said with the rest
        try:
            substantial_reason(reason)
        except InvalidInput as exc:
            problems["reason"] = [_sentence(exc.problem_words)]
    closing = _closing_date(form.get("closing_date", ""), problems) if choice == "close" else None
    children = _children(form.get("children", ""), view, problems) if choice == "split" else []
    if choice == "merge" and form.get("into", "") not in {slug for slug, _ in view.merge_into}:
        problems["into"] = ["Choose the community it merges into."]
    if problems:
        if list(problems) == ["reason"] and reason:  # only the reason falls short: the services' problems too
            problems = {**_other_problems(uow_factory, grant, form, now=now, policy=policy, od_manager=od_manager,
                                          via=via), **problems}
        raise DecisionRefused(problems)
    who, slug = grant.email, view.slug
    try:
        if choice == "split":
            return evolve.split(uow_factory(), slug=slug, children=children, decided_by=who, reason=reason,
                                now=now, policy=policy, via=via, od_manager=od_manager)
        if choice == "merge":
            return evolve.merge(uow_factory(), slug=slug, into=form["into"], decided_by=who, reason=reason,
                                now=now, policy=policy, via=via, od_manager=od_manager)
        return decide_review(uow_factory(), slug=slug, decision="evolve" if choice == "renew" else choice,
                             decided_by=who, reason=reason, now=now, policy=policy, closing_date=closing,
                             kind="renew" if choice == "renew" else None, reports_dir=reports_dir,
                             od_manager=od_manager, via=via)
    except (InvalidEvidence, TransitionRefused) as exc:
        unmet = exc.problems if isinstance(exc, InvalidEvidence) else exc.unmet
        today = local_date(now, policy)
        raise DecisionRefused(_by_field([_notice_in_words(u, closing, today, policy) for u in unmet])) from exc
    except InvalidInput as exc:
        where = {"members": "children", "name": "children", "slug": "children", "children": "children",
                 "into": "into", "decision": "decision", "reason": "reason"}.get(exc.field or "", GENERAL)
        raise DecisionRefused({where: [_sentence(exc.problem_words)]}) from exc
    except CopflowError as exc:
        raise DecisionRefused({GENERAL: [_sentence(exc.words())]}) from exc


# A reason that passes, to ask the services what else they would refuse while the one typed falls short.
_STAND_IN = "a stand-in reason, to find every other problem at once"


def _other_problems(uow_factory: Callable[[], UnitOfWork], grant: Grant, form: dict[str, str], *, now: datetime,
                    policy: Policy, od_manager: str | None, via: str) -> dict[str, list[str]]:
    """What the services would refuse of the form besides its reason, found in a rehearsal (nothing written)."""
    from copflow.web.views.decision_confirm import rehearse

    try:
        rehearse(lambda f: take_decision(f, grant, {**form, "reason": _STAND_IN}, now=now, policy=policy,
                                         reports_dir=None, od_manager=od_manager, via=via), uow_factory,
                 grant.cop_slug or "")
    except DecisionRefused as exc:
        return {k: v for k, v in exc.problems.items() if k != "reason"}
    return {}


# The form's field for each evidence field a decision's refusal names.
_FIELDS = {"reason": "reason", "closing_date": "closing_date", "kind": "decision", "children": "children"}


def _by_field(problems: list[Unmet]) -> dict[str, list[str]]:
    """The services' unmet requirements beside the form's fields (each names the evidence field it is about)."""
    out: dict[str, list[str]] = {}
    for p in problems:
        out.setdefault(_FIELDS.get(p.field or "", GENERAL), []).append(_sentence(p.message))
    return out


def _sentence(text: str) -> str:
    said = plain(text)
    return said[:1].upper() + said[1:]


def _notice_in_words(u: Unmet, typed: date | None, today: date, policy: Policy) -> Unmet:
    """The notice-period refusal about the day the person typed: whether it is past, whether it was moved to the
    next working day, and the earliest closing date allowed (the refusal's values: `value` the date judged,
    `limit` the earliest)."""
    if u.code != "close_decided.notice" or typed is None or u.value is None or u.limit is None:
        return u
    moved, earliest = date.fromisoformat(u.value), date.fromisoformat(u.limit)
    said = f"{long_date(typed)} is in the past" if typed < today else f"{long_date(typed)} is too soon"
    if moved != typed:
        said += f" (moved to the next working day, {long_date(moved)})"
    return replace(u, message=f"{said}: members get {policy.notice_period_weeks} weeks' notice, so the earliest "
                              f"closing date is {long_date(earliest)}.")


def _closing_date(raw: str, problems: dict[str, list[str]]) -> date | None:
    try:
        return date.fromisoformat(date_from_words(raw.strip()))
    except ValueError:
        problems["closing_date"] = ["Give the closing date the members are told (after the notice period)."]
        return None


def _children(raw: str, view: DecisionView, problems: dict[str, list[str]]) -> list[Child]:
    """One sub-community a line, "Name: address, address" (its members from this community's roster)."""
    out: list[Child] = []
    for line in (x.strip() for x in raw.splitlines() if x.strip()):
        name, _, people = line.partition(":")
        emails = tuple(e.strip().lower() for e in people.split(",") if e.strip())
        if not name.strip() or not emails:
            problems.setdefault("children", []).append(f"Write {line!r} as a name, a colon and the members' "
                                                       "addresses, separated by commas.")
            continue
        out.append(Child(_slug_of(name), name.strip(), emails))
    if not out and "children" not in problems:
        problems["children"] = ["Name at least one sub-community, one a line."]
    return out


def _slug_of(name: str) -> str:
    """A sub-community's slug from its name ("Data Insight: Dashboards" → data-insight-dashboards)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80].strip("-") or "sub-community"


def _decided(s: Session, cop: Cop, visit: int | None) -> Decided | None:
    t = s.scalar(select(TransitionRecord).where(TransitionRecord.cop_id == cop.id,
                                                TransitionRecord.from_visit == visit))
    if t is None:
        return None
    kind = s.scalar(select(GateEvidence.payload).where(GateEvidence.cop_id == cop.id, GateEvidence.stage_visit == visit,
                                                       GateEvidence.gate == "evolve_decided")
                    .order_by(GateEvidence.id.desc()).limit(1))
    return Decided(_DECIDED.get(t.to_stage, t.to_stage), (kind or {}).get("kind"), t.to_stage,
                   named(s, t.by.removesuffix(" (via web)")),
                   t.at.isoformat(timespec="minutes"), t.reason or "")


def _open_cops(s: Session, cop: Cop) -> list[tuple[str, str]]:
    return [(slug, name) for slug, name in s.execute(select(Cop.slug, Cop.name).where(
        Cop.id != cop.id, Cop.stage.notin_([Stage.CLOSING.value, Stage.CLOSED.value])).order_by(Cop.name))]


def _members(cop: Cop) -> list[tuple[str, str]]:
    return sorted({(m.person.email, m.person.name) for m in cop.memberships if m.left_on is None},
                  key=lambda p: p[1])
