"""What a transition sets off, decided here: an ordered list of plain effects, from the CoP's snapshot.

The application applies each effect kind with one handler (copflow/services/effects.py). Adding a consequence
to a transition is one line in `_CONSEQUENCES` below, plus, for a new kind, one dataclass and one handler.
Changes to the CoP's own record come first in each list, messages and meetings after them, events last.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from lifecycle.audiences import Audience
from lifecycle.policy import Policy
from lifecycle.snapshot import CharterView, CopSnapshot
from lifecycle.stages import Gate, Stage
from lifecycle.table import Transition

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


# --- messages, meetings, documents ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Notify:
    """Send one kind of message (a template under templates/email/) to everyone in these audiences, once each."""

    audiences: tuple[Audience, ...]
    message: str


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
class Emit:
    """An event for Prefect (server mode): deployments trigger on it once the transition has committed."""

    name: str
    payload: Mapping[str, str] = field(default_factory=dict)


Effect = (SetDomain | WriteCharter | SetReviewAnchor | SetClosingDate | RecordArchive | Notify | StartSeries
          | ScheduleMeeting | CancelMeetings | DraftLessons | Emit)

LEADS_AND_SPONSOR = (Audience.LEADS, Audience.SPONSOR)
MOVED_ON = Notify(LEADS_AND_SPONSOR, "stage_changed")


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
    return [MOVED_ON, Notify((Audience.MEMBERS,), "review_opened")]  # the survey call goes to every member


def _review_decided(snap: CopSnapshot, today: date, p: Policy) -> list[Effect]:
    return [SetReviewAnchor(today), MOVED_ON]


def _closing(snap: CopSnapshot, today: date, p: Policy) -> list[Effect]:
    closing_on = _day(snap.evidence[Gate.CLOSE_DECIDED]["closing_date"])
    return [SetReviewAnchor(today), SetClosingDate(closing_on), MOVED_ON,
            CancelMeetings("the community is closing"), DraftLessons(),
            Notify((Audience.MEMBERS, Audience.OD_MANAGER), "closing_notice")]


def _closed(snap: CopSnapshot, today: date, p: Policy) -> list[Effect]:
    archive = snap.evidence[Gate.ARCHIVE_VERIFIED]
    # The closure-completed mail is the leads' and sponsor's word that the CoP moved to closed: no stage-change
    # mail beside it (two mails for one closure).
    return [RecordArchive(archive["archive_path"], archive["manifest_sha256"]),
            Notify((*LEADS_AND_SPONSOR, Audience.OD_MANAGER), "closure_completed")]


# Each transition's consequences, by (from, to): the one place that says what passing a gate sets off.
_CONSEQUENCES: dict[tuple[Stage, Stage], Callable[[CopSnapshot, date, Policy], list[Effect]]] = {
    (Stage.FORMING, Stage.PLANNING): _leaving_forming,
    (Stage.PLANNING, Stage.LAUNCHING): _leaving_planning,
    (Stage.LAUNCHING, Stage.ACTIVE): _launched,
    (Stage.ACTIVE, Stage.REVIEWING): _review_opened,
    (Stage.REVIEWING, Stage.ACTIVE): _review_decided,
    (Stage.REVIEWING, Stage.PLANNING): _review_decided,
    (Stage.REVIEWING, Stage.CLOSING): _closing,
    (Stage.CLOSING, Stage.CLOSED): _closed,
}


def effects_of(t: Transition, snap: CopSnapshot, today: date, p: Policy) -> tuple[Effect, ...]:
    """Everything making `t` from `snap` on `today` sets off, in the order it is to be applied."""
    events: list[Effect] = [Emit("copflow.gate.passed", {"gate": g.value, "stage": snap.stage.value})
                            for g in t.gates]
    events.append(Emit("copflow.stage.entered", {"stage": t.target.value, "from": snap.stage.value}))
    return (*_CONSEQUENCES[(t.source, t.target)](snap, today, p), *events)


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
