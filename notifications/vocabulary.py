"""The words people read: one table for gate, role, stage and decision names, the evidence each gate asks
for (in plain language, with an example of each field), long dates and plurals.

Internal names (``launch_held``, ``od_manager_contact``, ``REQ-PARTICIPANT``) never reach a message: templates
go through the filters registered from here (notifications.compose), and tests/unit/test_message_words.py
renders every message kind and scans the demo's Maildir for any that slipped through.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from markupsafe import Markup, escape

from lifecycle.stages import STAGE_TITLES

# What a gate is, as a person says it: "the launch event is due on …".
GATES: dict[str, str] = {
    "core_group_formed": "forming the core group",
    "sponsor_meeting_done": "the sponsor meeting",
    "charter_published": "the charter",
    "launch_held": "the launch event",
    "review_due": "the review",
    "review_passed": "the review decision",
    "evolve_decided": "the decision to evolve",
    "close_decided": "the decision to close",
    "archive_verified": "the closure archive",
}

ROLES: dict[str, str] = {
    "lead": "lead",
    "coordinator": "coordinator",
    "core": "core group member",
    "wider": "member",
    "sponsor": "sponsor",
    "member_support": "member support",
    "information_resources": "information and resources",
    "online_space_admin": "online space administrator",
    "od_manager_contact": "OD manager",
}  # an invitation, too, names its reader by their role in the CoP, never by the calendar's (CHAIR, OPT-PARTICIPANT)

STAGES: dict[str, str] = {stage.value: title for stage, title in STAGE_TITLES.items()}  # the CLI's words too

# What a CoP held or made, as people say it: "a lunch and learn", "2 blog posts".
ACTIVITIES: dict[str, str] = {
    "lunch_and_learn": "lunch and learn", "seminar": "seminar", "workshop": "workshop", "event": "event",
    "launch": "launch event", "check_in": "core group check-in", "sponsor_catch_up": "sponsor catch-up",
    "blog": "blog post", "newsletter_article": "newsletter article", "funding_bid": "funding bid",
    "project": "project", "network": "network", "resource": "shared resource",
}

# "pass" everywhere: the recommendation, the decision and the gate say the same word.
DECISIONS: dict[str, str] = {"pass": "pass", "continue": "pass", "evolve": "evolve", "close": "close"}

# Each field of each gate's evidence: what to send, and an example of it.
EVIDENCE: dict[str, tuple[tuple[str, str], ...]] = {
    "core_group_formed": (
        ("The domain statement: the shared practice the community is about",
         "Sharing how we plan, run and evaluate university events"),
        ("The date the core group agreed to form", "12 March 2026"),
    ),
    "sponsor_meeting_done": (
        ("The date of the meeting with your sponsor", "12 March 2026"),
        ("Whether the sponsor attended", "yes"),
        ("What was agreed: scope, alignment with the organisation, how often you will meet",
         "Scope agreed as all campus events; catch-ups every six weeks"),
    ),
    "charter_published": (
        ("The charter's version", "1.0"),
        ("Why the community exists (its purpose)", "Help event organisers learn from each other"),
        ("Its aims", "Share good practice; build a shared toolkit"),
        ("Measurable annual targets, each a number and an output", "2 seminars; 1 toolkit"),
        ("Planned review dates, or how often to review", "every 12 months"),
        ("Where the charter is published", "a link to the document on the intranet"),
        ("The date the charter was published", "2 April 2026"),
    ),
    "launch_held": (
        ("The date of the launch event", "4 December 2026"),
        ("How many people attended", "24"),
        ("A short summary of the feedback you collected", "Most found it useful; asked for monthly meet-ups"),
    ),
}

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def gate_words(gate: Any) -> str:
    return GATES.get(str(gate), str(gate).replace("_", " "))


def role_words(role: Any) -> str:
    return ROLES.get(str(role), str(role).replace("_", " "))


def stage_words(stage: Any) -> str:
    return STAGES.get(str(stage), str(stage))


def activity_words(kind: Any) -> str:
    return ACTIVITIES.get(str(kind), str(kind).replace("_", " "))


def decision_words(decision: Any) -> str:
    return DECISIONS.get(str(decision), str(decision))


def as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def long_date(value: date | datetime | str | None) -> str:
    """The organisation's long format: "Friday 4 December 2026" (no weekday padding, no ISO)."""
    if value is None or value == "":
        return ""
    d = as_date(value)
    return f"{_DAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]} {d.year}"


def short_date(value: date | datetime | str | None) -> str:
    """"4 December 2026", for periods and tables."""
    if value is None or value == "":
        return ""
    d = as_date(value)
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def long_date_html(value: date | datetime | str | None) -> Markup:
    """The long date kept on one line in HTML (a mail client never splits it)."""
    return Markup('<span style="white-space: nowrap">{}</span>').format(escape(long_date(value)))


def plural(n: int, word: str, many: str | None = None) -> str:
    """"1 day", "3 days", "1 CoP", "6 CoPs", "1 reply", "2 replies"."""
    if n == 1:
        return f"{n} {word}"
    if many is None:
        many = word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"
    return f"{n} {many}"


def names(people: list[str]) -> str:
    """"Amira Khan", "Amira Khan and Ben Okafor", "A, B and C"."""
    if len(people) <= 1:
        return "".join(people)
    return ", ".join(people[:-1]) + " and " + people[-1]


_ISO_IN_TEXT = re.compile(r"\b(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:\d{2}|Z)?)?\b")


def plain(text: str) -> str:
    """A message written for operators (the lifecycle's checks, e.g. "launch held needs charter published first,
    due 2026-12-04") in a person's words: gate names and ids from GATES, ISO dates as long dates."""
    from lifecycle import GATE_TITLES

    for gate, title in sorted(GATE_TITLES.items(), key=lambda kv: -len(kv[1])):
        text = re.sub(rf"\b(?:{re.escape(title)}|{gate.value})\b", gate_words(gate.value), text, flags=re.IGNORECASE)
    text = _ISO_IN_TEXT.sub(_in_words, text)
    return text.replace("department(s)", "departments").replace("review(s)", "reviews")


def _in_words(m: re.Match[str]) -> str:
    """An ISO date in words; one that is no day of the calendar (2026-02-30, quoted in a refusal) as written."""
    try:
        return long_date(m.group(1))
    except ValueError:
        return m.group(0)


def when(value: datetime | str | None, zone: str | None = None) -> str:
    """A moment as people read it: "Tuesday 8 December 2026 at 12:30", in `zone` (an IANA name) when the value
    is aware; a naive value is wall-clock time already."""
    if value is None or value == "":
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if zone and moment.tzinfo is not None:
        from zoneinfo import ZoneInfo

        moment = moment.astimezone(ZoneInfo(zone))
    return f"{long_date(moment)} at {moment:%H:%M}"


# Zones by the name people in them use; any other by its city ("Europe/Paris": "Paris time").
ZONE_NAMES = {"Europe/London": "UK", "Europe/Belfast": "UK", "GB": "UK", "Europe/Dublin": "Irish", "UTC": "UTC",
              "Etc/UTC": "UTC", "America/New_York": "US Eastern", "America/Chicago": "US Central",
              "America/Denver": "US Mountain", "America/Los_Angeles": "US Pacific", "Asia/Kolkata": "India",
              "Europe/Berlin": "German", "Europe/Paris": "French"}


def zone_words(tzid: str) -> str:
    """A time zone as people say it: "UK time", "US Eastern time", "Lisbon time" (never "Europe/London")."""
    name = ZONE_NAMES.get(tzid) or tzid.rsplit("/", 1)[-1].replace("_", " ")
    return f"{name} time"


_IN_WORDS = re.compile(r"^(?:[a-z]+,?\s+)?(\d{1,2})\s+([a-z]+)\s+(\d{4})$")


def date_from_words(text: str) -> str:
    """A date typed in words ("1 March 2027", "Monday 1 March 2027", "1 Mar 2027") as the ISO text the lifecycle
    reads; anything else is passed on as typed, for the lifecycle to accept or refuse."""
    m = _IN_WORDS.match(text.strip().lower())
    if m:
        month = next((i for i, name in enumerate(_MONTHS, 1)
                      if len(m[2]) >= 3 and name.lower().startswith(m[2])), None)
        if month is not None:
            try:
                return date(int(m[3]), month, int(m[1])).isoformat()
            except ValueError:
                pass
    return text
