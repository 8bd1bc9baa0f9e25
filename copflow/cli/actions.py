"""`copflow action …`: a CoP's action plan — add, close, reopen, edit, list, history, import (docs/actions.md)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from copflow.cli import context as ctx

if TYPE_CHECKING:
    from copflow.services.actions.plan import ActionView

action_app = typer.Typer(help="The core group's action plan: who does what by when.", no_args_is_help=True)

Slug = Annotated[str, typer.Argument(help="The CoP.")]
ActionId = Annotated[int, typer.Argument(help="The action's number (see `copflow action list`).")]
By = Annotated[str | None, typer.Option("--by", help="Who is doing this (default: $COPFLOW_USER or login).")]
Note = Annotated[str | None, typer.Option(help="Why, or what came of it (kept in the action's history).")]


def _said(a: ActionView, what: str) -> None:
    target = f", towards {a.target!r}" if a.target else ""
    typer.echo(f"{a.cop_slug}: action {a.id} {a.title!r} ({a.owner_email}, due {a.due_on}{target}) {what}")


@action_app.command("add")
def action_add(slug: Slug, title: Annotated[str, typer.Option(help="What is to be done.")],
               owner: Annotated[str, typer.Option(help="Who does it: a current member's e-mail.")],
               due: Annotated[str, typer.Option(help="By when (YYYY-MM-DD), today or later.")],
               target: Annotated[str | None, typer.Option(help="The charter's annual target it serves, e.g. "
                                                                 "'2 blog posts'.")] = None,
               notes: Annotated[str | None, typer.Option(help="Anything worth keeping with it.")] = None,
               by: By = None) -> None:
    """Add an action to a CoP's plan."""
    from copflow.services.actions.plan import add_action

    a = add_action(ctx.uow(), slug=slug, title=title, owner=owner, due_on=ctx.day(due, "--due"), target=target,
                   notes=notes, who=ctx.actor(by), via="cli", now=ctx.now())
    _said(a, "added")
    _note_day_off(a)


def _note_day_off(a: ActionView) -> None:
    """One line when the due date is a weekend, a holiday or a closure day: kept, but probably not meant."""
    from copflow.services.actions.due_days import day_off
    from notifications.vocabulary import long_date

    why = day_off(ctx.uow(), slug=a.cop_slug, day=a.due_on, policy=ctx.policy())
    if why:
        typer.echo(f"Note: {long_date(a.due_on)} is not a working day ({why}); the action is due then all the "
                   f"same. To move it: copflow action edit {a.id} --due YYYY-MM-DD")


def _change(action_id: int, status: str, note: str | None, by: str | None, what: str) -> None:
    from copflow.services.actions.plan import change_status

    _said(change_status(ctx.uow(), action_id=action_id, status=status, note=note, who=ctx.actor(by), via="cli",
                        now=ctx.now()), what)


@action_app.command("done")
def action_done(action_id: ActionId, note: Note = None, by: By = None) -> None:
    """Mark an open action done."""
    _change(action_id, "done", note, by, "done")


@action_app.command("drop")
def action_drop(action_id: ActionId, note: Note = None, by: By = None) -> None:
    """Drop an open action (it will not be done): it leaves the plan and the agendas."""
    _change(action_id, "dropped", note, by, "dropped")


@action_app.command("reopen")
def action_reopen(action_id: ActionId, note: Note = None, by: By = None) -> None:
    """Open a done or dropped action again."""
    _change(action_id, "open", note, by, "reopened")


@action_app.command("edit")
def action_edit(action_id: ActionId,
                title: Annotated[str | None, typer.Option(help="A new title.")] = None,
                owner: Annotated[str | None, typer.Option(help="A new owner (a current member's e-mail).")] = None,
                due: Annotated[str | None, typer.Option(help="A new due date (YYYY-MM-DD).")] = None,
                target: Annotated[str | None, typer.Option(help="Another annual target ('' for none).")] = None,
                notes: Annotated[str | None, typer.Option(help="New notes ('' for none).")] = None,
                by: By = None) -> None:
    """Change an action's title, owner, due date, target or notes (a moved due date is reminded again)."""
    from copflow.services.actions.plan import edit_action

    a = edit_action(ctx.uow(), action_id=action_id, title=title, owner=owner, target=target, notes=notes,
                    due_on=ctx.day(due, "--due") if due is not None else None, who=ctx.actor(by), via="cli",
                    now=ctx.now())
    _said(a, "changed")
    if due is not None:
        _note_day_off(a)


@action_app.command("list")
def action_list(slug: Slug,
                status: Annotated[str | None, typer.Option(help="open, done or dropped.")] = None,
                owner: Annotated[str | None, typer.Option(help="Only this owner's (e-mail).")] = None,
                as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """A CoP's actions: overdue first, then by due date."""
    from copflow.services.actions.plan import list_actions

    rows = list_actions(ctx.uow(), slug=slug, status=status, owner=owner, now=ctx.now())
    if as_json:
        ctx.print_json([asdict(r) for r in rows])
        return
    ctx.table(f"Actions of {slug}", ["id", "due", "status", "owner", "title", "target"],
              [[r.id, f"{r.due_on} (overdue)" if r.overdue else r.due_on, r.status, r.owner_name, r.title,
                r.target or ""] for r in rows])


@action_app.command("history")
def action_history(action_id: ActionId,
                   as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Every change to one action, oldest first (times in UTC)."""
    from copflow.services.actions.plan import action_history as service

    rows = service(ctx.uow(), action_id=action_id)
    if as_json:
        ctx.print_json([asdict(r) for r in rows])
        return
    ctx.table(f"History of action {action_id}", ["at", "what", "by", "via", "note"],
              [[f"{r.at:%Y-%m-%d %H:%M}", _what(r.kind, r.changes), r.by, r.via, r.note or ""] for r in rows])


def _what(kind: str, changes: dict[str, Any] | None) -> str:
    if not changes:
        return kind
    return "edited: " + "; ".join(f"{k} {before or '-'} → {after or '-'}" for k, (before, after) in changes.items())


@action_app.command("import")
def action_import(slug: Slug,
                  path: Annotated[Path, typer.Argument(help="A .csv or .xlsx plan, or a Trello board's .json "
                                                            "export.")],
                  dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row and report; write "
                                                                          "nothing.")] = False,
                  skip_existing: Annotated[bool, typer.Option(
                      "--skip-existing", help="Pass over actions already in the plan (same title and due date) "
                                              "instead of refusing the file.")] = False,
                  members: Annotated[Path | None, typer.Option(
                      help="Trello: a CSV of username (or name) and email for the board's members.")] = None,
                  done_list: Annotated[str, typer.Option(help="Trello: the list whose cards are done.")] = "Done",
                  default_owner: Annotated[str | None, typer.Option(
                      help="Trello: who owns cards that have no member (a current member's e-mail).")] = None,
                  by: By = None) -> None:
    """Import a plan: all rows or none; every bad row is listed."""
    from copflow.cli.evidence import run_import
    from copflow.services.imports.action_rows import import_actions

    run_import("actions", lambda p: import_actions(
        ctx.uow(), path, slug=slug, who=ctx.actor(by), now=ctx.now(), dry_run=dry_run, skip_existing=skip_existing,
        members=members, done_list=done_list, default_owner=default_owner, progress=p))
