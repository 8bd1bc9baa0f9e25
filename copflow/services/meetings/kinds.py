"""The kinds of meeting a CoP holds, what each is for, who may see it, and the recurring ones (who attends each
kind: lifecycle/audiences.py, MEETING_ATTENDEES)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from copflow.services.errors import InvalidInput

RECURRING = ("checkin", "sponsor_catchup")
# Who may see a meeting: a public one (the whole community is invited) is on the hub and the public feeds, without
# its join link; a private one only in its attendees' own feeds and on the leads' pages (docs/security.md).
PUBLIC = "public"
PRIVATE = "private"
# A join link (any URL) or an e-mail address in a place someone typed.
# What is left dangling once a link is taken out ("Room 2 or", "Teams:").
_DANGLING_START = re.compile(r"^(?:[\s,;:/|()\[\]-]|\b(?:or|and|via|on|at)\b)+", re.IGNORECASE)
_DANGLING_END = re.compile(r"(?:[\s,;:/|()\[\]-]|\b(?:or|and|via|on|at)\b)+$", re.IGNORECASE)
_LINK = re.compile(r"(?:[a-z][a-z0-9+.-]*:(?://)?|www\.)\S+", re.IGNORECASE)
_LINK_OR_ADDRESS = re.compile(rf"{_LINK.pattern}|\S+@\S+", re.IGNORECASE)


@dataclass(frozen=True)
class Kind:
    title: str
    purpose: str
    visibility: str = PRIVATE


KINDS: dict[str, Kind] = {
    "checkin": Kind("Core group check-in", "The core group's regular check-in: progress on the action plan, "
                    "priorities, who does what next."),
    "sponsor_catchup": Kind("Sponsor catch-up", "Update the sponsor, seek feedback and opportunities for "
                            "strategic alignment."),
    "sponsor_meeting": Kind("Meeting with the sponsor", "The core group meets its sponsor: purpose, scope, "
                            "alignment and support."),
    "launch": Kind("Launch event", "The community's launch: why take part, the charter, priorities for "
                   "progress, with the sponsor.", PUBLIC),
    "review": Kind("Review meeting", "Take stock against the charter: what was achieved, what members say, "
                   "continue, evolve or close."),
    "closing": Kind("Closing meeting", "Celebrate, capture lessons learned, agree what is archived.", PUBLIC),
}


def kind_named(text: str) -> str:
    """A meeting kind as users type it ("sponsor-catchup" or "sponsor_catchup")."""
    kind = text.strip().lower().replace("-", "_")
    if kind not in KINDS:
        names = ", ".join(k.replace("_", "-") for k in KINDS)
        raise InvalidInput("kind", f"unknown meeting kind {text!r} (kinds: {names})")
    return kind


def place_words(location: str | None) -> str:
    """What a typed place says besides any join link or e-mail address in it ("Room 3")."""
    if not location or not _LINK_OR_ADDRESS.search(location):
        return location or ""
    rest = " ".join(_LINK_OR_ADDRESS.sub(" ", location).split())
    return _DANGLING_END.sub("", _DANGLING_START.sub("", rest))


def public_place(location: str | None) -> str:
    """A meeting's place as everyone may see it: the room or address someone typed, never a join link or an
    e-mail address ("online" stands for one)."""
    if not location or not _LINK_OR_ADDRESS.search(location):
        return location or ""
    rest = place_words(location)
    if not _LINK.search(location):  # only an address was taken out
        return rest
    return f"{rest}, or online" if rest else "online"


def join_link(location: str | None) -> str | None:
    """The online meeting's link in a typed place (the first https link), for its attendees' "Join online"."""
    found = re.search(r"https://\S+", location or "")
    return found.group(0).rstrip(".,;)") if found else None
