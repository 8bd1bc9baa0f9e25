"""Terminal output shared by the CLI and the demo: a Rich console and a table that never reads markup."""

from __future__ import annotations

import re
import sys
from typing import Any

# What a terminal would act on rather than show: C0 and C1 controls but tab and newline (ESC starts a colour, a
# cursor move or a title change; Rich keeps it), and the bidirectional overrides that reorder what is read.
_UNSHOWABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def shown(value: object) -> str:
    """`value` as text safe to print on a terminal: each control character becomes U+FFFD. For what came from
    outside (a mail's subject, an imported name), never trusted to be printable."""
    return _UNSHOWABLE.sub("\ufffd", "" if value is None else str(value))


def console() -> Any:
    from rich.console import Console

    # Piped output (CI logs, `| less`) gets a wide table instead of Rich's 80-column default.
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def table(title: str | None, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.table import Table
    from rich.text import Text

    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c)
    for r in rows:
        # Text(), not str: a CoP or person name must never be read as Rich markup.
        t.add_row(*[Text(shown(v)) for v in r])
    console().print(t)
