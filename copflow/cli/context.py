"""What every command needs: settings, the policy, a unit of work, `now`, and output helpers."""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lifecycle.errors import CopflowError

if TYPE_CHECKING:
    from copflow.db.uow import UnitOfWork
    from copflow.settings import Settings
    from lifecycle import Policy


class UsageError(CopflowError):
    """A bad command-line value: shown as one line, exit 2 (`field` names the option, `value` what was given)."""


class VerifyFailed(CopflowError):
    """A check found problems: shown as one line, exit 1."""


def day(text: str, option: str) -> date:
    """A YYYY-MM-DD option value, or a one-line usage error naming the option."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} must be YYYY-MM-DD, not {text!r}", field=option, value=text) from None


@lru_cache(maxsize=1)
def settings() -> Settings:
    from copflow.settings import load_settings

    return load_settings()


@lru_cache(maxsize=1)
def policy() -> Policy:
    return settings().policy()


def uow() -> UnitOfWork:
    from copflow.db.uow import UnitOfWork

    return UnitOfWork(settings().database_url)


def now() -> datetime:
    """The current time; COPFLOW_NOW (ISO 8601, with offset) pins it for tests and rehearsals."""
    pinned = os.environ.get("COPFLOW_NOW")
    if not pinned:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(pinned)
    except ValueError:
        raise UsageError(f"COPFLOW_NOW must be an ISO 8601 date-time, not {pinned!r}", field="COPFLOW_NOW",
                         value=pinned) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def actor(by: str | None) -> str:
    return by or os.environ.get("COPFLOW_USER") or getpass.getuser()


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


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
