"""The kinds of meeting a CoP holds, what each is for, and the recurring ones (who attends each kind:
lifecycle/audiences.py, MEETING_ATTENDEES)."""

from __future__ import annotations

from dataclasses import dataclass

from copflow.services.errors import InvalidInput

RECURRING = ("checkin", "sponsor_catchup")


@dataclass(frozen=True)
class Kind:
    title: str
    purpose: str


KINDS: dict[str, Kind] = {
    "checkin": Kind("Core group check-in", "The core group's regular check-in: progress on the action plan, "
                    "priorities, who does what next."),
    "sponsor_catchup": Kind("Sponsor catch-up", "Update the sponsor, seek feedback and opportunities for "
                            "strategic alignment."),
    "sponsor_meeting": Kind("Meeting with the sponsor", "The core group meets its sponsor: purpose, scope, "
                            "alignment and support."),
    "launch": Kind("Launch event", "The community's launch: why take part, the charter, priorities for "
                   "progress, with the sponsor."),
    "review": Kind("Review meeting", "Take stock against the charter: what was achieved, what members say, "
                   "continue, evolve or close."),
    "closing": Kind("Closing meeting", "Celebrate, capture lessons learned, agree what is archived."),
}


def kind_named(text: str) -> str:
    """A meeting kind as users type it ("sponsor-catchup" or "sponsor_catchup")."""
    kind = text.strip().lower().replace("-", "_")
    if kind not in KINDS:
        names = ", ".join(k.replace("_", "-") for k in KINDS)
        raise InvalidInput("kind", f"unknown meeting kind {text!r} (kinds: {names})")
    return kind
