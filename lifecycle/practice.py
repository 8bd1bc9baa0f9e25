"""What a CoP does and what its members say: activity kinds, charter targets, survey statements and scales.

The survey statements and their benchmarks are the 2021 impact survey's (seeds/000): the share of
respondents who agreed, which a CoP's own survey is compared with at review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from lifecycle.errors import UnknownName


class ActivityKind(StrEnum):
    # events: people attend them
    LUNCH_AND_LEARN = "lunch_and_learn"
    SEMINAR = "seminar"
    WORKSHOP = "workshop"
    EVENT = "event"
    LAUNCH = "launch"
    CHECK_IN = "check_in"
    SPONSOR_CATCH_UP = "sponsor_catch_up"
    # outputs: things the CoP makes (the toolkit's annual "harvest")
    BLOG = "blog"
    NEWSLETTER_ARTICLE = "newsletter_article"
    FUNDING_BID = "funding_bid"
    PROJECT = "project"
    NETWORK = "network"
    RESOURCE = "resource"


EVENT_KINDS = frozenset({ActivityKind.LUNCH_AND_LEARN, ActivityKind.SEMINAR, ActivityKind.WORKSHOP,
                         ActivityKind.EVENT, ActivityKind.LAUNCH, ActivityKind.CHECK_IN,
                         ActivityKind.SPONSOR_CATCH_UP})
OUTPUT_KINDS = frozenset(set(ActivityKind) - EVENT_KINDS)
# Events for the members at large; check-ins and sponsor catch-ups are the core group's own rhythm.
MEMBER_EVENT_KINDS = frozenset(EVENT_KINDS - {ActivityKind.CHECK_IN, ActivityKind.SPONSOR_CATCH_UP})

# How people write a kind in a spreadsheet or a charter target, singular, after _normalise().
_ALIASES = {
    "lunch and learn": ActivityKind.LUNCH_AND_LEARN, "lunch learn": ActivityKind.LUNCH_AND_LEARN,
    "l l": ActivityKind.LUNCH_AND_LEARN, "blog post": ActivityKind.BLOG, "newsletter": ActivityKind.NEWSLETTER_ARTICLE,
    "article": ActivityKind.NEWSLETTER_ARTICLE, "bid": ActivityKind.FUNDING_BID, "checkin": ActivityKind.CHECK_IN,
    "core group check in": ActivityKind.CHECK_IN, "catch up": ActivityKind.SPONSOR_CATCH_UP,
    "sponsor catchup": ActivityKind.SPONSOR_CATCH_UP, "sponsor meeting": ActivityKind.SPONSOR_CATCH_UP,
    "launch event": ActivityKind.LAUNCH, "talk": ActivityKind.SEMINAR, "webinar": ActivityKind.SEMINAR,
}


def _normalise(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", text.lower()).split()
    singular = [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words]
    return " ".join(singular)


def find_kind(text: str) -> ActivityKind | None:
    n = _normalise(text)
    for kind in ActivityKind:
        if n == _normalise(kind.value):
            return kind
    return _ALIASES.get(n)


def parse_kind(text: str) -> ActivityKind:
    kind = find_kind(text)
    if kind is None:
        raise UnknownName("activity kind", text, tuple(k.value for k in ActivityKind))
    return kind


@dataclass(frozen=True)
class Statement:
    key: str
    text: str
    benchmark: int | None  # % who agreed in the 2021 impact survey; None for a CoP's own question


BENCHMARK_STATEMENTS = (
    Statement("connections", "The CoP helped me form connections with colleagues I would not otherwise have met", 92),
    Statement("communication", "CoPs help improve communication between different areas of the organisation", 90),
    Statement("skills", "I have developed my skills or gained knowledge about my practice because of the CoP", 84),
    Statement("applied", "I have been able to apply new skills and knowledge to my job", 79),
    Statement("belonging", "Being in the CoP increases my sense of belonging", 89),
    Statement("culture", "CoPs help improve our workplace culture", 88),
    Statement("team_benefit", "My team or department benefits from me being in the CoP", 83),
    Statement("service_delivery", "The CoP and its outputs help improve service delivery in the practice area", 80),
    Statement("organisation_benefit", "The CoP's activities directly benefit the organisation", 84),
)
_STATEMENT_INDEX = {_normalise(x): s for s in BENCHMARK_STATEMENTS for x in (s.key, s.text)}


def find_statement(header: str) -> Statement:
    """A survey column's statement: a benchmark one when its key or text matches, else the CoP's own."""
    return _STATEMENT_INDEX.get(_normalise(header)) or Statement(_normalise(header).replace(" ", "_")[:80],
                                                                 header.strip(), None)


# Microsoft Forms' five-point Likert labels (and the numbers some exports use instead).
LIKERT = {"strongly agree": 5, "agree": 4, "neither agree nor disagree": 3, "neutral": 3, "disagree": 2,
          "strongly disagree": 1, "5": 5, "4": 4, "3": 3, "2": 2, "1": 1}
AGREE_AT_LEAST = 4


def parse_likert(text: str) -> int:
    value = LIKERT.get(" ".join(text.lower().split()))
    if value is None:
        raise UnknownName("survey answer", text, ("Strongly agree", "Agree", "Neither agree nor disagree",
                                                  "Disagree", "Strongly disagree", "1-5"))
    return value


@dataclass(frozen=True)
class Target:
    """One of the charter's annual targets, e.g. '1 seminar' → 1 × seminar."""

    text: str
    count: int
    kind: ActivityKind | None  # None: measurable, but not something copflow can count (kept, reported as such)


TARGET_RE = re.compile(r"^\s*(\d+)\s+(.+?)\s*$")


def parse_targets(texts: list[str] | tuple[str, ...]) -> tuple[Target, ...]:
    out = []
    for text in texts:
        m = TARGET_RE.match(str(text))
        if m and int(m.group(1)) > 0:
            out.append(Target(str(text), int(m.group(1)), find_kind(m.group(2))))
    return tuple(out)
