"""What every command needs: settings, the policy, a unit of work, `now`, and output helpers."""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import date, datetime
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
    from copflow.settings import ClockError, current_time

    try:
        return current_time()
    except ClockError as exc:
        raise UsageError(str(exc), field=exc.field, value=exc.value) from None


def unsent(problems: list[str]) -> None:
    """Mail a command queued that could not go yet (copflow.runs.after_gate / deliver_now): it stays queued."""
    for e in problems:
        print(f"warning: mail not sent yet ({e}); it stays in the outbox", file=sys.stderr)


def actor(by: str | None) -> str:
    return by or os.environ.get("COPFLOW_USER") or getpass.getuser()


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


def moved(from_stage: str, to_stage: str) -> str:
    """A stage change as people read it ("review → active"): the vocabulary's stage words, never the machine's."""
    from lifecycle.stages import STAGE_TITLES, Stage

    return " → ".join(STAGE_TITLES.get(Stage(s), s) if s in Stage.__members__.values() else s
                      for s in (from_stage, to_stage))
