"""Terminal output shared by the CLI and the demo: a Rich console and a table that never reads markup."""

from __future__ import annotations

import sys
from typing import Any


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
        t.add_row(*[Text("" if v is None else str(v)) for v in r])
    console().print(t)
