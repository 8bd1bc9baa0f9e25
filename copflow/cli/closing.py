"""Commands for the end of a CoP's life: lessons learned, the closure archive and its check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from copflow.cli import context as ctx

archive_app = typer.Typer(help="Close CoPs into verified archives, and check archives.", no_args_is_help=True)


def lessons_cmd(
    slug: Annotated[str, typer.Argument(help="The closing CoP.")],
    file: Annotated[Path | None, typer.Option("--file", help="The completed report to save: a Word document "
                                                            "(.docx), Markdown (.md) or a PDF.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who completed it.")] = None,
) -> None:
    """Print the lessons-learned report (drafted at the close decision), or save the completed one."""
    from copflow.services.closing.lessons import latest_lessons, save_lessons
    from copflow.services.snapshots import get_cop

    if file is None:
        with ctx.uow() as u:
            doc = latest_lessons(u.session, get_cop(u.session, slug).id)
        if doc is None:
            raise ctx.UsageError(f"{slug} has no lessons-learned report yet (it is drafted when closing is decided)",
                                 cop=slug)
        typer.echo(doc.content, nl=False)
        return
    from notifications.documents import UnreadableDocument, document_text

    try:
        text = document_text(file)
    except UnreadableDocument as exc:
        raise ctx.UsageError(str(exc), value=str(file)) from None
    save_lessons(ctx.uow(), slug=slug, text=text, by=ctx.actor(by), now=ctx.now())
    typer.echo(f"saved the lessons-learned report of {slug} ({len(text)} characters)")


@archive_app.command("close")
def archive_close(
    slug: Annotated[str, typer.Argument(help="A CoP in stage closing whose closing date has come.")],
) -> None:
    """Write, verify and record the closure archive now, then mark the CoP closed (re-running does nothing)."""
    from copflow.services.archiving import close_cop

    s = ctx.settings()
    r = close_cop(ctx.uow(), slug=slug, now=ctx.now(), policy=ctx.policy(), archive_dir=s.archive_dir,
                  od_manager=s.od_manager_email)
    typer.echo(f"{slug} {'was already closed' if r.already_closed else 'closed'}; archive {r.path} "
               f"({r.files} files, manifest SHA-256 {r.manifest_sha256})")
    from copflow.runs import after_transition

    # server mode: the events; embedded: the mail this command queued
    report = after_transition(s, slug, r.events, now=ctx.now(), queued=ctx.queued())
    ctx.unsent(list(report.errors) if report else [])


@archive_app.command("verify")
def archive_verify(path: Annotated[Path, typer.Argument(help="A closure archive (.zip).")]) -> None:
    """Re-read every file of an archive and check its size and SHA-256 against the manifest."""
    from notifications.archive import verify_archive

    v = verify_archive(path)
    if not v.ok:
        for p in v.problems[1:]:
            typer.echo(f"  {p}", err=True)
        raise ctx.VerifyFailed(f"{path}: {len(v.problems)} problem(s): {v.problems[0]}", value=str(path))
    typer.echo(f"{path}: OK, {v.files} files match the manifest (SHA-256 {v.manifest_sha256})")


def register(app: typer.Typer, cop_app: typer.Typer) -> None:
    app.add_typer(archive_app, name="archive")
    cop_app.command("lessons")(lessons_cmd)
