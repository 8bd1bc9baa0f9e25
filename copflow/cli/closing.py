"""Commands for the end of a CoP's life: split, merge, lessons learned, archive."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from copflow.cli import context as ctx

archive_app = typer.Typer(help="Close CoPs into verified archives, and check archives.", no_args_is_help=True)


def split_cmd(
    slug: Annotated[str, typer.Argument(help="The CoP under review that splits.")],
    child: Annotated[list[str], typer.Option("--child", help="SLUG:NAME:EMAIL,EMAIL… for each sub-community.")],
    reason: Annotated[str, typer.Option(help="Why (audit trail).")],
    by: Annotated[str | None, typer.Option("--by", help="Who decides (email).")] = None,
) -> None:
    """Split into sub-communities: each child starts forming with its members; the parent renews."""
    from copflow.services.evolve import Child, split

    children = []
    for spec in child:
        parts = spec.split(":", 2)
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise ctx.UsageError(f"--child takes SLUG:NAME:EMAIL,EMAIL…, not {spec!r}")
        children.append(Child(parts[0].strip(), parts[1].strip(),
                              tuple(e.strip() for e in parts[2].split(",") if e.strip())))
    r = split(ctx.uow(), slug=slug, children=children, decided_by=ctx.actor(by), reason=reason, now=ctx.now(),
              policy=ctx.policy())
    typer.echo(f"{slug}: {r.from_stage} → {r.to_stage}; new: {', '.join(c.slug for c in children)} (forming)")
    from copflow.cli.running import after_gate

    after_gate(r)


def merge_cmd(
    slug: Annotated[str, typer.Argument(help="The CoP under review that merges.")],
    into: Annotated[str, typer.Option("--into", help="The CoP it joins.")],
    reason: Annotated[str, typer.Option(help="Why (audit trail).")],
    by: Annotated[str | None, typer.Option("--by", help="Who decides (email).")] = None,
) -> None:
    """Merge into another CoP: members and meeting series move there; this CoP closes after the notice period."""
    from copflow.services.evolve import merge

    r = merge(ctx.uow(), slug=slug, into=into, decided_by=ctx.actor(by), reason=reason, now=ctx.now(),
              policy=ctx.policy())
    typer.echo(f"{slug}: merged into {into}; {r.from_stage} → {r.to_stage}")
    from copflow.cli.running import after_gate

    after_gate(r)


def lessons_cmd(
    slug: Annotated[str, typer.Argument(help="The closing CoP.")],
    file: Annotated[Path | None, typer.Option("--file", help="The completed report to save: a Word document "
                                                            "(.docx), Markdown (.md) or a PDF.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who completed it.")] = None,
) -> None:
    """Print the lessons-learned report (drafted at the close decision), or save the completed one."""
    from copflow.services.closing import latest_lessons, save_lessons
    from copflow.services.records import get_cop

    if file is None:
        with ctx.uow() as u:
            doc = latest_lessons(u.session, get_cop(u.session, slug).id)
        if doc is None:
            raise ctx.UsageError(f"{slug} has no lessons-learned report yet (it is drafted when closing is decided)")
        typer.echo(doc.content, nl=False)
        return
    from notifications.documents import UnreadableDocument, document_text

    try:
        text = document_text(file)
    except UnreadableDocument as exc:
        raise ctx.UsageError(str(exc)) from None
    save_lessons(ctx.uow(), slug=slug, text=text, by=ctx.actor(by), now=ctx.now())
    typer.echo(f"saved the lessons-learned report of {slug} ({len(text)} characters)")


@archive_app.command("close")
def archive_close(
    slug: Annotated[str, typer.Argument(help="A CoP in stage closing whose closing date has come.")],
) -> None:
    """Write, verify and record the closure archive now, then mark the CoP closed (re-running does nothing)."""
    from copflow.services.closure import close_cop

    s = ctx.settings()
    r = close_cop(ctx.uow(), slug=slug, now=ctx.now(), policy=ctx.policy(), archive_dir=s.archive_dir,
                  od_manager=s.od_manager_email)
    typer.echo(f"{slug} {'was already closed' if r.already_closed else 'closed'}; archive {r.path} "
               f"({r.files} files, manifest SHA-256 {r.manifest_sha256})")
    from copflow.cli.running import deliver_now

    deliver_now()


@archive_app.command("verify")
def archive_verify(path: Annotated[Path, typer.Argument(help="A closure archive (.zip).")]) -> None:
    """Re-read every file of an archive and check its size and SHA-256 against the manifest."""
    from copflow.archive import verify_archive

    v = verify_archive(path)
    if not v.ok:
        for p in v.problems[1:]:
            typer.echo(f"  {p}", err=True)
        raise ctx.VerifyFailed(f"{path}: {len(v.problems)} problem(s): {v.problems[0]}")
    typer.echo(f"{path}: OK, {v.files} files match the manifest (SHA-256 {v.manifest_sha256})")


def register(app: typer.Typer, cop_app: typer.Typer) -> None:
    app.add_typer(archive_app, name="archive")
    cop_app.command("split")(split_cmd)
    cop_app.command("merge")(merge_cmd)
    cop_app.command("lessons")(lessons_cmd)
