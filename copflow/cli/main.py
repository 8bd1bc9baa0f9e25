"""The `copflow` command. Each command calls one service; Prefect is imported only by commands that run flows."""

from __future__ import annotations

import sys
from typing import Annotated, NoReturn

import typer

from copflow.cli import context as ctx
from copflow.cli.actions import action_app
from copflow.cli.closing import register as register_closing
from copflow.cli.cops import cop_app, gate_app, member_app, person_app, register_record_commands
from copflow.cli.evidence import activity_app, import_app, output_app
from copflow.cli.lineage import register as register_lineage
from copflow.cli.mailbox import mail_app
from copflow.cli.meetings import cop_set, meeting_app, notify_app
from copflow.cli.privacy import register as register_privacy
from copflow.cli.reviews import review_app
from copflow.cli.running import register_flow_commands
from copflow.cli.web import register as register_web
from lifecycle.errors import CopflowError
from lifecycle.safe_text import one_line

app = typer.Typer(
    name="copflow",
    help="Run the lifecycle of Communities of Practice: gates, reminders, invitations, reviews, closure.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Create or upgrade copflow's database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(cop_app, name="cop")
app.add_typer(person_app, name="person")
app.add_typer(member_app, name="member")
app.add_typer(gate_app, name="gate")
app.add_typer(meeting_app, name="meeting")
app.add_typer(notify_app, name="notify")
app.add_typer(mail_app, name="mail")
app.add_typer(review_app, name="review")
app.add_typer(import_app, name="import")
app.add_typer(activity_app, name="activity")
app.add_typer(output_app, name="output")
app.add_typer(action_app, name="action")
register_record_commands(app)
register_lineage(cop_app)
register_closing(app, cop_app)
register_privacy(person_app)
register_flow_commands(app)
cop_app.command("set")(cop_set)
register_web(app)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Create the database or migrate it to the latest schema (safe to re-run)."""
    from copflow.db.migrate import current_revision, upgrade

    url = ctx.settings().database_url
    upgrade(url, revision)
    typer.echo(f"database at revision {current_revision(url)}: {_safe_url(url)}")


@db_app.command("current")
def db_current() -> None:
    """Show the database's schema revision."""
    from copflow.db.migrate import current_revision

    url = ctx.settings().database_url
    typer.echo(f"{current_revision(url) or 'empty'}: {_safe_url(url)}")


@app.command()
def diagram() -> None:
    """Print the lifecycle as a Mermaid state diagram (generated from the transition table)."""
    from lifecycle import mermaid

    typer.echo(mermaid(), nl=False)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def run() -> None:
    """Console-script entry point: user mistakes become one line on stderr and a non-zero exit."""
    try:
        # Not standalone: click's own usage errors (a missing argument, an option that is not a number) come
        # here, to be one line like every other mistake instead of a framed panel.
        code = app(standalone_mode=False)
    except typer.Abort:
        sys.stderr.write("copflow: error: aborted\n")
        raise SystemExit(1) from None
    except SystemExit:
        raise
    except Exception as exc:
        if not _is_usage_error(exc):
            _fail(exc)
        if type(exc).__name__ != "NoArgsIsHelpError":  # that one has printed the help already
            ctx_ = getattr(exc, "ctx", None)
            where = f" (see `{ctx_.command_path} --help`)" if ctx_ is not None else ""
            message = _number_words(exc) or " ".join(exc.format_message().split())  # type: ignore[attr-defined]
            sys.stderr.write(f"copflow: error: {one_line(message)}{where}\n")
        raise SystemExit(exc.exit_code) from None  # type: ignore[attr-defined]
    except BaseException as exc:
        _fail(exc)
    if isinstance(code, int) and not isinstance(code, bool) and code:
        raise SystemExit(code)  # e.g. ctx.exit(n) inside a command


def _number_words(exc: BaseException) -> str | None:
    """A number option given something else, said from the option's own type (click's "'abc' is not a valid int
    range" names its Python type): "--reviews-within must be a whole number of days from 0 to 3660"."""
    param = getattr(exc, "param", None)
    kind = getattr(getattr(param, "type", None), "_number_class", None)
    if param is None or kind not in (int, float):
        return None
    # An option by its longest flag (--reviews-within); an argument by the name its help shows (ACTION_ID).
    is_option = getattr(param, "param_type_name", "") == "option"
    name = max(param.opts, key=len) if is_option else str(param.human_readable_name).upper()
    what = "a whole number" if kind is int else "a number"
    unit = {"DAYS": " of days", "MINUTES": " of minutes", "SECONDS": " of seconds"}.get(str(param.metavar), "")
    low, high = getattr(param.type, "min", None), getattr(param.type, "max", None)
    span = (f" from {low} to {high}" if low is not None and high is not None else f" of at least {low}"
            if low is not None else f" of at most {high}" if high is not None else "")
    return f"{name} must be {what}{unit}{span}"


def _is_usage_error(exc: BaseException) -> bool:
    """Click's exceptions (typer vendors its own copy of click, so they are recognised by shape): a message
    for the user and an exit code."""
    return callable(getattr(exc, "format_message", None)) and isinstance(getattr(exc, "exit_code", None), int)


def _fail(exc: BaseException) -> NoReturn:
    code_, message = _classify(exc)
    if code_ is None:
        raise exc
    # One line whatever a value in the message held (a header cell with a line break in it, say).
    sys.stderr.write(f"copflow: error: {one_line(message)}\n")
    raise SystemExit(code_) from None


# The one table from error classes to exit codes, most specific first. Every error a user can cause derives
# from CopflowError (lifecycle/errors.py); anything else is a bug and keeps its traceback.
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (KeyboardInterrupt, 130),
    (ctx.UsageError, 2),
    (CopflowError, 1),
)


class DatabaseProblem(CopflowError):
    """The database refused a command (unreachable, or never created): shown as one line, not a traceback."""


def _classify(exc: BaseException) -> tuple[int | None, str]:
    if "sqlalchemy" in sys.modules:  # only a command that opened the database can have a database problem
        exc = _database_problem(exc) or exc
    for cls, code_ in EXIT_CODES:
        if isinstance(exc, cls):
            return code_, str(exc) or "interrupted"
    return None, ""


def _database_problem(exc: BaseException) -> DatabaseProblem | None:
    from sqlalchemy.exc import OperationalError, ProgrammingError

    if not isinstance(exc, OperationalError | ProgrammingError):
        return None
    text = str(exc.orig) if getattr(exc, "orig", None) else str(exc)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    if "no such table" in first or ("does not exist" in first and "relation" in first):
        return DatabaseProblem("the database has no copflow tables yet: run `copflow db upgrade`")
    return DatabaseProblem(f"database problem: {first}", value=first)
