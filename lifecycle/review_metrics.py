"""The review's evidence: metrics for one period, and a recommendation with the reasons that drove it.

Pure: the services gather the records, this module counts. Periods are inclusive of both ends.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from lifecycle.action_metrics import ActionSummary, action_findings, summarise_actions
from lifecycle.audiences import CORE_ROLES
from lifecycle.practice import (
    AGREE_AT_LEAST,
    MEMBER_EVENT_KINDS,
    OUTPUT_KINDS,
    ActivityKind,
    Target,
)
from lifecycle.review_inputs import ActivityRecord, AnswerRecord, EvaluationInput, MemberRecord
from lifecycle.stages import Role

# A survey share this many points under its benchmark counts as a concern.
SURVEY_MARGIN = 10


@dataclass(frozen=True)
class TargetResult:
    text: str
    kind: str | None
    needed: int
    done: int

    @property
    def met(self) -> bool | None:
        return None if self.kind is None else self.done >= self.needed


@dataclass(frozen=True)
class StatementResult:
    key: str
    text: str
    responses: int
    agree_pct: float
    benchmark: int | None

    @property
    def delta(self) -> float | None:
        return None if self.benchmark is None else round(self.agree_pct - self.benchmark, 1)


@dataclass(frozen=True)
class Recommendation:
    decision: str  # "pass", "evolve" or "close"
    reasons: tuple[str, ...]
    strengths: tuple[str, ...] = ()
    # Named beside the strengths even when they did not change the recommendation: each missed target, each
    # survey statement far below its benchmark.
    weaknesses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evaluation:
    slug: str
    name: str
    start: date
    end: date
    core_members: int
    wider_members: int
    supporting: int
    joiners: int
    leavers: int
    core_departments: tuple[str, ...]
    core_line_managers: int
    departments: tuple[str, ...]
    events_held: int
    events_planned: int
    attendances: int
    unique_attendees: int
    attendance_rate: float  # mean attendees per event, as % of members at the period's end
    attendance_by_month: tuple[tuple[str, int, int], ...]  # (YYYY-MM, events, attendances)
    checkins_held: int
    checkins_expected: int
    catchups_held: int
    catchups_expected: int
    outputs: dict[str, int]
    targets: tuple[TargetResult, ...]
    respondents: int
    statements: tuple[StatementResult, ...]
    gates_on_time: int
    gates_total: int
    days_late: int
    days_overdue_now: int
    actions: ActionSummary = field(default_factory=ActionSummary)
    recommendation: Recommendation = field(default_factory=lambda: Recommendation("pass", ()))

    @property
    def members(self) -> int:
        return self.core_members + self.wider_members


def _active(m: MemberRecord, on: date) -> bool:
    return m.joined_on <= on and (m.left_on is None or m.left_on > on)


def _months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)


def evaluate_period(data: EvaluationInput) -> Evaluation:
    start, end = data.start, data.end
    days = (end - start).days + 1
    at_end = [m for m in data.members if _active(m, end)]
    core = {m.person for m in at_end if m.role in CORE_ROLES}
    wider = {m.person for m in at_end if m.role == Role.WIDER} - core
    supporting = {m.person for m in at_end} - core - wider
    before = {m.person for m in data.members if _active(m, start - timedelta(days=1))}
    now = {m.person for m in at_end}
    joined = {m.person for m in data.members if start <= m.joined_on <= end} - before
    left = {m.person for m in data.members if m.left_on and start <= m.left_on <= end} - now
    core_records = [m for m in at_end if m.role in CORE_ROLES]

    in_period = [a for a in data.activities if start <= a.held_on <= end]
    events = [a for a in in_period if a.kind in MEMBER_EVENT_KINDS]
    by_kind = Counter(a.kind for a in in_period)
    by_month: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    month = date(start.year, start.month, 1)
    while month <= end:  # every month of the period, so a month without events shows as empty, not missing
        by_month[month.strftime("%Y-%m")] = [0, 0]
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    for a in events:
        slot = by_month[a.held_on.strftime("%Y-%m")]
        slot[0] += 1
        slot[1] += len(a.attendees)
    attendances = sum(len(a.attendees) for a in events)
    unique = set().union(*(a.attendees for a in events)) if events else set()
    members_now = len(core | wider)
    rate = 100.0 * attendances / len(events) / members_now if events and members_now else 0.0

    targets = tally_targets(data.targets, data.activities, start, end)
    planned = sum(r.needed for r, t in zip(targets, data.targets, strict=True) if t.kind in MEMBER_EVENT_KINDS)

    statements = _survey(data.answers)
    timings = [t for t in data.timings if t.done_on is None or start <= t.done_on <= end]
    done = [t for t in timings if t.done_on is not None]
    open_late = [t for t in timings if t.done_on is None and t.due_on < end]
    ev = Evaluation(
        slug=data.slug, name=data.name, start=start, end=end,
        core_members=len(core), wider_members=len(wider), supporting=len(supporting),
        joiners=len(joined), leavers=len(left),
        core_departments=tuple(sorted({m.department for m in core_records if m.department})),
        core_line_managers=len({m.line_manager for m in core_records if m.line_manager}),
        departments=tuple(sorted({m.department for m in at_end if m.department})),
        events_held=len(events), events_planned=planned, attendances=attendances, unique_attendees=len(unique),
        attendance_rate=round(rate, 1),
        attendance_by_month=tuple((k, v[0], v[1]) for k, v in sorted(by_month.items())),
        checkins_held=by_kind.get(ActivityKind.CHECK_IN, 0),
        checkins_expected=max(0, _months(start, end) // max(1, data.checkin_every_months)),  # one per full period
        catchups_held=by_kind.get(ActivityKind.SPONSOR_CATCH_UP, 0),
        catchups_expected=days // (7 * max(1, data.sponsor_catchup_every_weeks)),
        outputs={k.value: by_kind[k] for k in sorted(OUTPUT_KINDS) if by_kind.get(k)},
        targets=targets,
        respondents=len({a.respondent for a in data.answers}),
        statements=statements,
        gates_on_time=sum(1 for t in done if t.done_on is not None and t.done_on <= t.due_on),
        gates_total=len(done),
        days_late=sum(max(0, (t.done_on - t.due_on).days) for t in done if t.done_on is not None),
        days_overdue_now=max([(end - t.due_on).days for t in open_late], default=0),
        actions=summarise_actions(data.actions, start, end, [t.text for t in data.targets]),
    )
    return replace(ev, recommendation=recommend(ev, data.min_departments))


def tally_targets(targets: tuple[Target, ...], activities: tuple[ActivityRecord, ...], start: date, end: date, *,
                  pro_rata: bool = True) -> tuple[TargetResult, ...]:
    """Each annual target against what was held or made in [start, end]: needed pro rata for the period (at
    least one), or the whole year's count (a sponsor brief's "so far this year")."""
    days = (end - start).days + 1
    by_kind = Counter(a.kind for a in activities if start <= a.held_on <= end)
    return tuple(TargetResult(t.text, t.kind.value if t.kind else None,
                              max(1, round(t.count * days / 365)) if pro_rata else t.count,
                              by_kind.get(t.kind, 0) if t.kind else 0) for t in targets)


def _survey(answers: tuple[AnswerRecord, ...]) -> tuple[StatementResult, ...]:
    grouped: dict[str, list[AnswerRecord]] = defaultdict(list)
    for a in answers:
        grouped[a.statement.key].append(a)
    out = []
    for rows in grouped.values():
        s = rows[0].statement
        agree = sum(1 for r in rows if r.value >= AGREE_AT_LEAST)
        out.append(StatementResult(s.key, s.text, len(rows), round(100.0 * agree / len(rows), 1), s.benchmark))
    # benchmark statements first, in the survey's order, then the CoP's own
    order = {key: i for i, key in enumerate(grouped)}
    return tuple(sorted(out, key=lambda r: (r.benchmark is None, order[r.key])))


def recommend(ev: Evaluation, min_departments: int = 2) -> Recommendation:
    """pass, evolve or close, with every reason that counted. Close needs two signs that the CoP has stopped;
    evolve needs one such sign or two concerns; otherwise pass. The OD manager decides; this only advises."""
    stopped: list[str] = []
    concerns: list[str] = []
    strengths: list[str] = []
    outputs = sum(ev.outputs.values())
    if ev.events_held == 0 and outputs == 0:
        stopped.append("no events held and no outputs recorded in the period")
    if ev.core_members < 2:
        stopped.append(f"only {ev.core_members} core member(s) remain")
    if ev.leavers and ev.leavers >= max(1, ev.joiners) * 2 and ev.leavers * 2 >= ev.members + ev.leavers:
        stopped.append(f"{ev.leavers} members left and {ev.joiners} joined: half the CoP has gone")

    countable = [t for t in ev.targets if t.met is not None]
    met = [t for t in countable if t.met]
    if countable:
        line = f"{len(met)} of {len(countable)} annual targets met"
        (strengths if len(met) * 2 >= len(countable) else concerns).append(line)
    if ev.events_planned:
        line = f"{ev.events_held} events held against {ev.events_planned} planned"
        (strengths if ev.events_held >= ev.events_planned else concerns).append(line)
    if ev.checkins_expected:
        line = f"{ev.checkins_held} core-group check-ins held of {ev.checkins_expected} expected"
        (strengths if ev.checkins_held * 2 >= ev.checkins_expected else concerns).append(line)
    if len(ev.core_departments) < min_departments:
        concerns.append(f"the core group spans {len(ev.core_departments)} department(s), "
                        f"fewer than the {min_departments} the criteria ask")
    elif ev.core_members > 1 and ev.core_line_managers < 2:
        concerns.append("the whole core group reports to one line manager")
    else:
        strengths.append(f"the core group spans {len(ev.core_departments)} departments")
    benchmarked = [s for s in ev.statements if s.delta is not None]
    if benchmarked:
        below = [s for s in benchmarked if s.delta is not None and s.delta < -SURVEY_MARGIN]
        line = (f"survey: {len(benchmarked) - len(below)} of {len(benchmarked)} statements within "
                f"{SURVEY_MARGIN} points of the 2021 benchmark ({ev.respondents} respondents)")
        (concerns if len(below) * 2 > len(benchmarked) else strengths).append(line)
    elif ev.members:
        concerns.append("no survey answers: members' views are missing")
    if ev.events_held and ev.attendance_rate < 20:
        concerns.append(f"events drew {ev.attendance_rate:.0f}% of members on average")
    if ev.days_overdue_now:
        concerns.append(f"a gate is {ev.days_overdue_now} days overdue")

    if len(stopped) >= 2:
        decision = "close"
    elif stopped or len(concerns) >= 2:
        decision = "evolve"
    else:
        decision = "pass"
    plan_strengths, plan_weaknesses = action_findings(ev.actions)
    strengths += plan_strengths
    weaknesses = [f"target missed: {t.text} ({t.done} held or made)" for t in countable if not t.met] + plan_weaknesses
    weaknesses += [f"“{st.text}” scored {-st.delta:.1f} points below its 2021 benchmark ({st.agree_pct:.0f}% "
                   f"agree against {st.benchmark}%)" for st in benchmarked
                   if st.delta is not None and st.delta < -SURVEY_MARGIN]
    return Recommendation(decision, tuple(stopped + concerns), tuple(strengths), tuple(weaknesses))
