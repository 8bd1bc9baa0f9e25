"""What text may become a link, and which characters may not sit in a name or a title (issue 28, breaks 7, 12).

Here, in the core, because the charter's evidence is validated here, and the services (copflow.services.validation)
and both template environments (mail and web) ask the same question: a link is an http(s) or mailto address,
nothing else, so `javascript:`, `data:`, `vbscript:` and the rest never reach an `href`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

LINK_SCHEMES = ("http", "https", "mailto")
MAX_LINK = 2000
# Explicit-direction controls (LRE, RLE, PDF, LRO, RLO), isolates (LRI, RLI, FSI, PDI) and the marks (LRM, RLM,
# ALM): each can make a subject or a name read in another order than it is written ("Trojan Source").
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# A scheme of two or more letters: "C:\Documents\charter.docx" names a document, it is not a link.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]+):")
_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\"'<>\\`]")


def link_problem(text: str) -> str | None:
    """None when `text` is an http(s) address with a host, or a mailto address; otherwise why it is not."""
    if len(text) > MAX_LINK:
        return f"is longer than {MAX_LINK} characters"
    m = _SCHEME.match(text)
    scheme = m.group(1).lower() if m else ""
    if scheme not in LINK_SCHEMES:
        shown = f"a {scheme}: link" if scheme else "no http(s) address"
        return f"must be an http:// or https:// address (or mailto:), not {shown}"
    if _UNSAFE.search(text) or BIDI_CONTROLS.search(text):
        return "must be one address without spaces, quotes, angle brackets or control characters"
    if scheme == "mailto":
        return None if len(text) > len("mailto:") and "@" in text else "a mailto: link names an address"
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return "is not a web address that can be read"
    if not text[m.end():].startswith("//") or not host:  # type: ignore[union-attr]
        return "an http(s) address names a host, e.g. https://intranet.example.org/page"
    if "@" in parts.netloc:  # https://trusted.example@evil.example reads as one host and goes to the other
        return "must not name a user before the host (user@host)"
    return None


def is_link(text: object) -> bool:
    """The question a template asks before it writes `<a href=…>`: only a link that passes is ever written."""
    return isinstance(text, str) and link_problem(text) is None


def names_a_scheme(text: str) -> bool:
    """True when `text` starts like a link ("javascript:…", "https:…"), not like a document's name."""
    return _SCHEME.match(text.strip()) is not None


def bidi_problem(text: str) -> str | None:
    """None when `text` holds no bidirectional control; otherwise which one, as U+XXXX."""
    m = BIDI_CONTROLS.search(text)
    if m is None:
        return None
    return (f"must not contain bidirectional control characters (U+{ord(m.group()):04X} found): they make "
            "text read in another order than it is written")


def href(value: object) -> str:
    """A template's `href` value: the link when it passes, else "#" (a dead link rather than a script). Every
    `href="{{ … }}"` of templates/ goes through it (tests/unit/test_safe_text.py reads them all)."""
    return value if isinstance(value, str) and is_link(value) else "#"


def one_line(text: str) -> str:
    """Text as one line of a message: line breaks and other unprintable characters written as escapes ("\\n")."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)
