"""What a person must never read in a message: internal names, CLI commands (except in the OD manager's
mail), slugs used as names, ISO dates in prose. Used on every preview and on the demo's whole Maildir."""

from __future__ import annotations

import re
from email.message import Message

from lifecycle import Gate, Role

GATE_IDS = [g.value for g in Gate]
ROLE_IDS = [r.value for r in Role if "_" in r.value]
ICAL_ROLES = ["REQ-PARTICIPANT", "OPT-PARTICIPANT", "NON-PARTICIPANT", "CHAIR"]
ISO_DATE = re.compile(r"(?<![\w/=?.-])\d{4}-\d{2}-\d{2}(?![\w.-])")
CLI = re.compile(r"\bcopflow (?:gate|review|archive|outbox|cop|member|person|meeting|notify|sweep|status|demo|import|"
                 r"evidence|activity|records|lessons|action)\b")
# "… 1 December 2027.We will remind you": a template's trimmed newline ate the space between two sentences.
GLUED = re.compile(r"\b\w+[a-z0-9][.?!][A-Z][a-z]+\b")
# Words that were wrong for their reader (issue 29): a calendar's role for a person's, copflow's own step as theirs.
WRONG_FOR_READER = ["as its meeting organiser", "as its optional participant", "as its invited participant",
                    "Next: the closure archive"]
SLUGS = ["data-insight", "digital-communications", "events-management", "facilities-management", "hr-recruitment",
         "research-it"]


def _prose(text: str) -> str:
    """The words a person reads: addresses (URLs, mail addresses, file names) are not prose."""
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"[\w.+-]+@[\w.-]+", " ", text)
    text = re.sub(r"\b[\w-]+\.(zip|pdf|docx|md|ics|html)\b", " ", text)
    return re.sub(r"<[^>]+>", " ", text)  # HTML tags (and their attributes)


def problems(text: str, *, to_od_manager: bool = False) -> list[str]:
    prose = _prose(text)
    found = [f"gate id {g}" for g in GATE_IDS if re.search(rf"\b{g}\b", prose)]
    found += [f"role id {r}" for r in ROLE_IDS if re.search(rf"\b{r}\b", prose)]
    found += [f"iCalendar role {r}" for r in ICAL_ROLES if r in prose]
    found += ["od_manager" for _ in [1] if "od_manager" in prose]
    found += [f"ISO date {m}" for m in ISO_DATE.findall(prose)]
    found += [f"sentences run together {m!r}" for m in GLUED.findall(prose)]
    found += [f"wrong for the reader: {w!r}" for w in WRONG_FOR_READER if w in " ".join(prose.split())]
    if not to_od_manager:
        found += [f"command {m}" for m in CLI.findall(prose)]
        found += [f"slug {s}" for s in SLUGS if re.search(rf"(?<![\w/=-]){s}(?![\w-])", prose)]
    return found


def readable_parts(msg: Message) -> list[tuple[str, str]]:
    """(content type, text) of every text/plain and text/html part, and the subject."""
    out = [("subject", str(msg["Subject"]))]
    for part in msg.walk():
        if part.get_content_type() in ("text/plain", "text/html") and part.get_filename() is None:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            out.append((part.get_content_type(), payload.decode(part.get_content_charset() or "utf-8")))
    return out
