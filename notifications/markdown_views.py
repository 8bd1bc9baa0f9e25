"""Markdown for Prefect's artifacts: links into the current Prefect UI and to a CoP's entry on the hub, and
tables whose cells are safe for any name.

Prefect's table artifact shows each cell as plain text, so the views whose CoP names link to the CoP's detail
(`copflow-portfolio`, `copflow-attention`, `copflow-sweep`) are Markdown artifacts with a Markdown table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Prefect's current UI (V2, served under /v2) shows an artifact by key at this path; the older UI at the root
# draws a Mermaid diagram as raw text. With a server's UI address (copflow.runs.ui_url) the links are absolute;
# without one (embedded runs, browsed later with `prefect server start`) relative to the server's root.
UI_BASE = "/v2"
ARTIFACT_LINK = UI_BASE + "/artifacts/key/{key}"
RUN_LINK = UI_BASE + "/runs/flow-run/{id}"

# Characters that Markdown (CommonMark with GitHub's tables, as Prefect's UI reads it) gives a meaning to
# inside a table cell: a name such as "A|B", "[Pilot]" or "*Core*" must read as itself.
_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|#!~])")


def escape(text: str) -> str:
    """Text as itself in Markdown, on one line (a table row ends at a line break)."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _href(url: str) -> str:
    # A link's target ends at the first unbalanced ")" and at whitespace; the addresses here have neither
    # whitespace (settings refuse it) nor need of a literal bracket.
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")


def link(label: str, url: str) -> str:
    """A Markdown link whose label is escaped text."""
    return f"[{escape(label)}]({_href(url)})"


def ui_root(ui: str | None) -> str:
    """The server's root: a UI address that already names the V2 UI loses that suffix (the links add it)."""
    root = (ui or "").rstrip("/")
    return root.removesuffix(UI_BASE)


def artifact_href(key: str, ui: str | None) -> str:
    """An artifact's page in the current Prefect UI: absolute with a server's UI address, else from the root."""
    return f"{ui_root(ui)}{ARTIFACT_LINK.format(key=key)}"


def hub_href(web_url: str, slug: str) -> str:
    """A CoP's entry on the hub (`copflow web`'s home page has an element `id="cop-<slug>"` per CoP)."""
    return f"{web_url.rstrip('/')}/#cop-{slug}"


def cop_cell(name: str, slug: str, web_url: str, artifacts: Sequence[tuple[str, str]] = (),
             ui: str | None = None, *, on_hub: bool = True) -> str:
    """A CoP's name linking to its entry on the hub (plain when the hub no longer lists it, as for a closed
    CoP), then a link to each of its artifacts (label, key)."""
    extra = "".join(f" · {link(label, artifact_href(key, ui))}" for label, key in artifacts)
    return (link(name, hub_href(web_url, slug)) if on_hub else escape(name)) + extra


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table; cells are written as given (escape text with `escape`, or pass a link)."""
    return [f"| {' | '.join(headers)} |", "|" + "---|" * len(headers),
            *[f"| {' | '.join(cell.replace(chr(10), ' ') for cell in row)} |" for row in rows]]
