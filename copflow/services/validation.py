"""Input checks shared by services: slugs, names, emails, links, time zones."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from copflow.services.errors import InvalidInput
from lifecycle.safe_text import bidi_problem, link_problem, names_a_scheme

MAX_ID = 2 ** 63 - 1  # a row id: what a database's BIGINT (and SQLite's INTEGER) can hold
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")  # incl. Unicode line breaks


def is_id(value: int) -> bool:
    """Whether `value` can be a row's id at all: a number past 64 bits would make the driver fail, not find none."""
    return 0 < value <= MAX_ID


def slug(value: str) -> str:
    v = value.strip()
    if not SLUG_RE.match(v):
        raise InvalidInput("slug", f"{value!r} must be lowercase letters, digits and dashes (1-80 characters)",
                           value=value, limit=80)
    return v


def clean_name(field: str, value: str) -> str:
    """A person's or CoP's name: one line, and no angle brackets (they would read as markup or as an address)."""
    v = clean_text(field, value)
    if "<" in v or ">" in v:
        raise InvalidInput(field, "must not contain < or >", value=v)
    return v


def clean_text(field: str, value: str, max_len: int = 200, required: bool = True) -> str:
    """One-line text: control characters (CR/LF included) are refused, so no header can be forged, and so are
    bidirectional controls (U+202E …), so no name, title or subject reads in another order than it is written."""
    v = value.strip()
    if required and not v:
        raise InvalidInput(field, "must not be empty")
    if _CONTROL.search(v):
        raise InvalidInput(field, "must not contain control characters or line breaks", value=v)
    bidi = bidi_problem(v)
    if bidi:
        raise InvalidInput(field, bidi, value=v)
    if len(v) > max_len:
        raise InvalidInput(field, f"is longer than {max_len} characters", value=v, limit=max_len)
    return v


def link(field: str, value: str) -> str:
    """A link someone gives (an output's, a charter's): an http(s) address with a host, or mailto, nothing else."""
    v = value.strip()
    problem = link_problem(v)
    if problem:
        raise InvalidInput(field, problem, value=value)
    return v


_ADDRESS_SHAPE = re.compile(r"^[^@\s<>,;\"]{1,64}@[^@\s<>,;\"]+\.[^@\s<>,;\".][^@\s<>,;\"]*$")


def actor(value: str, field: str, hint: str = "") -> str:
    """Who acted, as the record keeps it: an address by its shape (one @, a domain with a dot, nothing that could
    break a line or a list). No import of email-validator: `gate record` checks this on every run, and nothing is
    sent to it; an address mail goes to is checked in full by `email`. `hint` says how to give a better one."""
    v = value.strip().lower()
    if len(v) > 320 or not _ADDRESS_SHAPE.match(v) or _CONTROL.search(v) or ".." in v:
        raise InvalidInput(field, f"{value!r} is not an e-mail address{hint}", value=value)
    return v


def place(field: str, value: str) -> str:
    """Where a meeting is: a room in words, or an online meeting's link, which must then be http(s) (a place
    that starts like a link is one: no `javascript:` becomes a calendar's "join" button)."""
    v = clean_text(field, value, 300, required=False)
    if v and names_a_scheme(v):
        return link(field, v)
    return v


def email(value: str, field: str = "email") -> str:
    """Validated and normalised (lower-cased domain, Unicode NFC); no DNS look-up."""
    # Imported here: with idna it weighs on the start-up of commands that take no address (docs/benchmarks.md).
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(field, f"{value!r} is not a valid email address: {exc}", value=value) from None
    if len(result.local_part.encode("utf-8")) > 64:  # RFC 5321 §4.5.3.1.1; email-validator lets it through
        raise InvalidInput(field, f"{value!r} is not a valid email address: the part before the @ is longer "
                                  "than 64 bytes", value=value, limit=64)
    # Local parts are case-sensitive by the RFC but not in any directory we serve: one person, one row.
    return result.normalized.lower()


REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian",
           "Pacific")


def timezone(value: str) -> str:
    """A place's time zone ("Europe/London", "America/New_York") or UTC. Abbreviations and fixed offsets
    ("EST", "CET", "Etc/GMT+5") are refused: they never change for daylight saving, the place does."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("timezone", f"{value!r} is not a time zone of the tz database", value=value) from None
    if value != "UTC" and value.split("/", 1)[0] not in REGIONS:
        raise InvalidInput("timezone", f"{value!r} is an abbreviation or a fixed offset, not a place: name the place's "
                                       "zone, e.g. America/New_York, Europe/London (or UTC)")
    return value


# A reason people can act on, for a decision that ends, splits or merges a community or goes against its review's
# recommendation: the leads read it and the audit trail keeps it ("x" or "ok" says nothing).
MIN_REASON_CHARS = 20
MIN_REASON_WORDS = 4


def substantial_reason(value: str, *, what: str = "this decision") -> str:
    """The reason, stripped, or InvalidInput("reason") when it is too short to say why."""
    text = (value or "").strip()
    if len(text) < MIN_REASON_CHARS or len(text.split()) < MIN_REASON_WORDS:
        raise InvalidInput("reason", f"the reason for {what} must say why in at least {MIN_REASON_WORDS} words "
                                     f"and {MIN_REASON_CHARS} characters: the leads read it and the audit trail "
                                     "keeps it", value=text, limit=str(MIN_REASON_CHARS))
    return text
