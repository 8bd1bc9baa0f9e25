"""`copflow person erase` and `copflow person export`: a person's rights over their data (docs/privacy.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from copflow.cli import context as ctx


def register(person_app: typer.Typer) -> None:
    person_app.command("erase")(person_erase)
    person_app.command("export")(person_export)


def person_erase(
    email: Annotated[str, typer.Argument(help="The person whose data is erased.")],
    yes: Annotated[bool, typer.Option("--yes", help="Erase without asking (what changes is still printed).")]
    = False,
    by: Annotated[str | None, typer.Option("--by", help="Who erases (default: $COPFLOW_USER or login); kept in the "
                                                        "audit trail.")] = None,
) -> None:
    """Erase a person: their address and name are replaced everywhere by a pseudonym (memberships, attendance and
    evidence stay, so counts hold); mail to them is withdrawn. Refused while they are a CoP's only coordinator or
    lead. Cannot be undone."""
    from copflow.services.privacy.erasure import erase_person

    def run(dry_run: bool) -> list[str]:
        r = erase_person(ctx.uow(), email=email, by=ctx.actor(by), now=ctx.now(), policy=ctx.policy(),
                         reports_dir=ctx.settings().reports_dir, dry_run=dry_run)
        rows = sum(r.rows_changed.values())
        tables = ", ".join(f"{t} {n}" for t, n in sorted(r.rows_changed.items()))
        verb = "erased" if r.done else "would erase"
        typer.echo(f"{verb} {email}: now {r.pseudonym}; {rows} row(s) changed ({tables}); "
                   f"{r.mail_withdrawn} unsent message(s) withdrawn")
        for line in r.meetings:
            typer.echo(f"  calendar: {line}")
        for path in r.files_to_handle:
            typer.echo(f"  written earlier, for the organisation to handle: {path}")
        return r.meetings

    if not yes:
        run(dry_run=True)
        typer.confirm("Erase for good? This cannot be undone", abort=True)
    if run(dry_run=False):
        from copflow.runs import deliver_now

        # the calendar changes (cancellations, a series sent again by its new organiser) go out now
        ctx.unsent(deliver_now(ctx.settings(), now=ctx.now(), queued=ctx.queued()))


def person_export(
    email: Annotated[str, typer.Argument(help="The person who asked for their data.")],
    out: Annotated[Path, typer.Option("--out", help="The zip file to write (a new file).", dir_okay=False)],
) -> None:
    """Subject access: every record about a person (one JSON file per table, a readable summary, the mail sent to
    them within retention) in one zip file."""
    from copflow.services.privacy.export import export_person

    r = export_person(ctx.uow(), email=email, out=out, now=ctx.now())
    typer.echo(f"wrote {r.path}: {sum(r.records.values())} record(s) in {len(r.records)} table file(s), "
               f"{r.mails} mail(s) with their content")
