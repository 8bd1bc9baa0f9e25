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


# The units of work this command made: what their commits queued is what the command delivers (`queued`).
_MADE: list[UnitOfWork] = []


def uow() -> UnitOfWork:
    from copflow.db.uow import UnitOfWork

    url = settings().database_url
    _require_sqlite_file(url)
    made = UnitOfWork(url)
    _MADE.append(made)
    return made


def queued() -> list[int]:
    """The outbox rows this command's writes queued (and forget them: a command delivers once, at its end). A
    command delivers these only, never the rest of the outbox (copflow.runs.deliver_now / after_gate)."""
    ids = sorted({i for u in _MADE for i in u.queued})
    _MADE.clear()
    return ids


def require_database() -> None:
    """Refuse, creating nothing, a SQLite database that is not there: what `copflow web` and `copflow sweep` check
    before they start, as every command that reads one does (`uow`)."""
    _require_sqlite_file(settings().database_url)


def _require_sqlite_file(url: str) -> None:
    """A command on a SQLite database that is not there says so, and creates nothing (opening it would make the
    folder and an empty file); `copflow db upgrade` is what creates it."""
    if not url.startswith("sqlite:///") or ":memory:" in url:
        return
    from pathlib import Path

    from copflow.settings import SettingsError

    path = Path(url.removeprefix("sqlite:///").split("?", 1)[0])
    if not path.exists():
        raise SettingsError(f"no copflow database at {path}: run `copflow db upgrade` to create it",
                            field="COPFLOW_DATABASE_URL", value=str(path))


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


ASK_WHO = "; set COPFLOW_USER to your e-mail address or pass --by"


def actor(by: str | None) -> str:
    """Who is acting, as every record keeps it: an address, from --by or else COPFLOW_USER (the environment's, else
    the home folder's settings.env). Without either the login name is taken only if it is an address; otherwise
    the one line says what to set, not what is wrong with a login name nobody chose."""
    from copflow.services import validation as v
    from copflow.services.errors import InvalidInput

    if by is not None:
        return v.actor(by, "--by")
    user = os.environ.get("COPFLOW_USER") or settings().user
    if user:
        return v.actor(user, "COPFLOW_USER", ASK_WHO)
    login = getpass.getuser()
    try:
        return v.actor(login, "login")
    except InvalidInput:
        raise InvalidInput("who is acting", f"copflow records an e-mail address, and your login name {login!r} is "
                                            f"not one{ASK_WHO}", value=login) from None


def print_json(data: Any, *, ascii_only: bool = False) -> None:
    """`ascii_only` for text nobody checked (mail read back): every character beyond ASCII as a \\u escape, so no
    control character reaches the terminal (JSON itself escapes only those below U+0020)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=ascii_only) + "\n")


def moved(from_stage: str, to_stage: str) -> str:
    """A stage change as people read it ("review → active"): the vocabulary's stage words, never the machine's."""
    from lifecycle.stages import STAGE_TITLES, Stage

    return " → ".join(STAGE_TITLES.get(Stage(s), s) if s in Stage.__members__.values() else s
                      for s in (from_stage, to_stage))


def local_minute(at: str | None, tz: Any) -> str:
    """A stored UTC time (ISO 8601) as the organisation reads it in a listing: "2026-12-07 09:09" in `tz`."""
    return f"{datetime.fromisoformat(at).astimezone(tz):%Y-%m-%d %H:%M}" if at else ""


def shown_of(shown: int, total: int, tz: Any) -> None:
    """A listing's last line: how many rows of how many, and the zone its times are in."""
    import typer

    typer.echo(f"{shown} of {total} shown (times in {tz.key}; --limit to see more)" if total > shown
               else f"{total} shown (times in {tz.key})")
