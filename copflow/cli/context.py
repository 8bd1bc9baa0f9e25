"""What every command needs: settings, the policy, a unit of work, `now`, and output helpers."""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from copflow.terminal import console as console  # the output helpers every command uses
from copflow.terminal import table as table
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
