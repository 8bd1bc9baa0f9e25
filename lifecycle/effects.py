"""What a transition sets off, decided here: an ordered list of plain effects, from the CoP's snapshot.

The application applies each effect kind with one handler (copflow/services/effects.py, `apply_effect`: mypy
proves it handles every kind). Adding a consequence to a transition is one line in `_CONSEQUENCES` below, plus,
for a new kind, one dataclass here (added to `Effect`) and one handler there; a new message is one member of
`Message` and one composer there. In each list: what settles the visit being left first (applied while the CoP
is still in the stage it leaves), then changes to the CoP's own record, then messages, meetings and other CoPs,
then events (lifecycle/events.py: `events_of`, one payload shape for all).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from lifecycle.audiences import Audience
from lifecycle.events import Emit, events_of
from lifecycle.policy import Policy
from lifecycle.snapshot import CharterView, CopSnapshot
from lifecycle.stages import Gate, Stage
from lifecycle.table import Transition

# --- settling the visit being left --------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishEvaluation:
    """A review's decision stands on its evaluation: the report is brought up to date (stored, and mailed if
    nobody was told yet) while the CoP is still under review, with the decision written onto it (what, by whom,
    why, from the decision's evidence); a decision that differs from its recommendation says so in the
    transition's reason."""


# --- changes to the CoP's record ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SetDomain:
    """The domain statement agreed when the core group formed becomes the CoP's domain."""

    domain: str


@dataclass(frozen=True)
class WriteCharter:
    """The charter the planning stage published becomes the CoP's current charter (a new version)."""

    version: str
    purpose: str
    aims: tuple[str, ...]
    annual_targets: tuple[str, ...]
    review_dates: tuple[date, ...]
    review_cadence_months: int | None
    link: str
    published_on: date


@dataclass(frozen=True)
class SetReviewAnchor:
    """Reviews are counted from this day: the launch, or the last review's decision."""

    on: date


@dataclass(frozen=True)
class SetClosingDate:
    on: date


@dataclass(frozen=True)
class RecordArchive:
    """The CoP is closed, and its verified archive is where the organisation finds its record."""

    path: str
    manifest_sha256: str


@dataclass(frozen=True)
class MergeInto:
    """The CoP closes into the CoP `into`: it points there, and `into`'s audit trail records the merge."""

    into: str


# --- messages, meetings, documents, other CoPs ---------------------------------------------------------------


class Message(StrEnum):
    """The messages a transition sends, each a template under templates/email/<kind>.*.j2."""

    STAGE_CHANGED = "stage_changed"
    REVIEW_OPENED = "review_opened"
    CLOSING_NOTICE = "closing_notice"
    CLOSURE_COMPLETED = "closure_completed"


@dataclass(frozen=True)
class Notify:
    """Send one kind of message to everyone in these audiences, once each."""

    audiences: tuple[Audience, ...]
    message: Message


@dataclass(frozen=True)
class StartSeries:
    """A recurring meeting series of this kind from `first_on`, unless one is live already or nobody attends."""

    kind: str
    first_on: date


@dataclass(frozen=True)
class ScheduleMeeting:
    """One meeting of this kind on `on`, at the policy's meeting time."""

    kind: str
    on: date


@dataclass(frozen=True)
class CancelMeetings:
    """Cancel every live meeting series of the CoP, telling attendees why."""

    reason: str


@dataclass(frozen=True)
class DraftLessons:
    """Keep a lessons-learned draft, built from the CoP's record, for the leads to complete."""


@dataclass(frozen=True)
class CreateChild:
    """A sub-community of a split starts forming, with these members of the parent in their roles; its audit
    trail says where it came from, and why."""

    slug: str
    name: str
    members: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class MoveMeetings:
    """The CoP's live meeting series move to the CoP `to`, their UIDs kept (calendars keep the meetings)."""

    to: str


@dataclass(frozen=True)
class MoveMembers:
    """The CoP's current members join the CoP `to` in their roles (unless there already); `to`'s live meetings
    then follow its roster."""

    to: str


Effect = (PublishEvaluation | SetDomain | WriteCharter | SetReviewAnchor | SetClosingDate | RecordArchive | MergeInto
          | Notify | StartSeries | ScheduleMeeting | CancelMeetings | DraftLessons | CreateChild | MoveMeetings
          | MoveMembers | Emit)
# Applied while the CoP is still in the stage it leaves (the rest, once it is in the new one).
SETTLING = (PublishEvaluation,)

LEADS_AND_SPONSOR = (Audience.LEADS, Audience.SPONSOR)
MOVED_ON = Notify(LEADS_AND_SPONSOR, Message.STAGE_CHANGED)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _leaving_forming(snap: CopSnapshot, today: date, p: Policy) -> list[Effect]:
    domain = snap.evidence.get(Gate.CORE_GROUP_FORMED, {}).get("domain")
    return [*([SetDomain(domain)] if domain else []), MOVED_ON]


def _leaving_planning(snap: CopSnapshot, today: date, p: Policy) -> list[Effect]:
    c = snap.evidence[Gate.CHARTER_PUBLISHED]
    reviews = tuple(_day(d) for d in c.get("review_dates") or ())
    return [WriteCharter(c["version"], c["purpose"], tuple(c["aims"]), tuple(c["annual_targets"]), reviews,
                         c.get("review_cadence_months"), c["link"], _day(c["published_on"])),
            MOVED_ON,
            *(ScheduleMeeting("review", d) for d in reviews if d > today)]


def _launched(snap: CopSnapshot, today: date, p: Policy) -> list[Effect]:
    held = _day(snap.evidence[Gate.LAUNCH_HELD]["held_on"])
    return [SetReviewAnchor(held), MOVED_ON,
            StartSeries("checkin", held + timedelta(weeks=p.first_checkin_after_weeks)),
            StartSeries("sponsor_catchup", held + timedelta(weeks=p.first_sponsor_catchup_after_weeks))]


def _review_opened(snap: CopSnapshot, today: date, p: Policy) -> list[Effect]:
    return [MOVED_ON, Notify((Audience.MEMBERS,), Message.REVIEW_OPENED)]  # the survey call goes to every member


def _passed(snap: CopSnapshot, today: date, p: Policy) -> list[Effect]:
    return [PublishEvaluation(), SetReviewAnchor(today), MOVED_ON]


def _evolved(snap: CopSnapshot, today: date, p: Policy) -> list[Effect]:
    ev = snap.evidence[Gate.EVOLVE_DECIDED]
    children = [CreateChild(c["slug"], c["name"], tuple(c["members"]), ev.get("reason") or "")
                for c in ev.get("children") or ()]  # a split: each sub-community starts forming
    return [PublishEvaluation(), SetReviewAnchor(today), MOVED_ON, *children]


def _closing(snap: CopSnapshot, today: date, p: Policy) -> list[Effect]:
    ev = snap.evidence[Gate.CLOSE_DECIDED]
    into = ev.get("into")  # a merge: series first, so the cancelling below leaves theirs alone
    merging: list[Effect] = [MoveMeetings(into), MoveMembers(into)] if into else []
    return [PublishEvaluation(), SetReviewAnchor(today), SetClosingDate(_day(ev["closing_date"])),
            *([MergeInto(into)] if into else []), MOVED_ON, *merging,
            CancelMeetings("the community is closing"), DraftLessons(),
            Notify((Audience.MEMBERS, Audience.OD_MANAGER), Message.CLOSING_NOTICE)]


def _closed(snap: CopSnapshot, today: date, p: Policy) -> list[Effect]:
    archive = snap.evidence[Gate.ARCHIVE_VERIFIED]
    # The closure-completed mail is the leads' and sponsor's word that the CoP moved to closed: no stage-change
    # mail beside it (two mails for one closure).
    return [RecordArchive(archive["archive_path"], archive["manifest_sha256"]),
            Notify((*LEADS_AND_SPONSOR, Audience.OD_MANAGER), Message.CLOSURE_COMPLETED)]


# Each transition's consequences, by (from, to): the one place that says what passing a gate sets off.
_CONSEQUENCES: dict[tuple[Stage, Stage], Callable[[CopSnapshot, date, Policy], list[Effect]]] = {
    (Stage.FORMING, Stage.PLANNING): _leaving_forming,
    (Stage.PLANNING, Stage.LAUNCHING): _leaving_planning,
    (Stage.LAUNCHING, Stage.ACTIVE): _launched,
    (Stage.ACTIVE, Stage.REVIEWING): _review_opened,
    (Stage.REVIEWING, Stage.ACTIVE): _passed,
    (Stage.REVIEWING, Stage.PLANNING): _evolved,
    (Stage.REVIEWING, Stage.CLOSING): _closing,
    (Stage.CLOSING, Stage.CLOSED): _closed,
}


def effects_of(t: Transition, snap: CopSnapshot, today: date, p: Policy) -> tuple[Effect, ...]:
    """Everything making `t` from `snap` on `today` sets off, in the order it is to be applied."""
    return (*_CONSEQUENCES[(t.source, t.target)](snap, today, p), *events_of(t))


def settling(effects: tuple[Effect, ...]) -> tuple[tuple[Effect, ...], tuple[Effect, ...]]:
    """(what settles the visit being left, the rest): the core lists the first ones first."""
    first = tuple(e for e in effects if isinstance(e, SETTLING))
    return first, effects[len(first):]


def after(snap: CopSnapshot, t: Transition, effects: tuple[Effect, ...], today: date) -> CopSnapshot:
    """The CoP as the transition leaves it: in the new stage (a new visit, no evidence yet) with its record
    changed by the effects. What the application writes, the same way."""
    out = replace(snap, stage=t.target, stage_entered_on=today, evidence={})
    for e in effects:
        if isinstance(e, SetReviewAnchor):
            out = replace(out, review_anchor_on=e.on)
        elif isinstance(e, SetClosingDate):
            out = replace(out, closing_date=e.on)
        elif isinstance(e, WriteCharter):
            out = replace(out, charter=CharterView(e.version, e.published_on, e.review_dates,
                                                   e.review_cadence_months))
    return out
