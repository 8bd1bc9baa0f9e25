"""Review evidence in: `copflow import …` (CSV or Excel, all rows or none), `copflow activity|output log`,
and `copflow review report` (the evaluation, as HTML and Markdown)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from copflow.cli import context as ctx

import_app = typer.Typer(help="Import people, attendance, activities or survey answers from CSV or Excel.",
                         no_args_is_help=True)
activity_app = typer.Typer(help="Log events a CoP held (with attendees) and list its activities.",
                           no_args_is_help=True)
output_app = typer.Typer(help="Log outputs a CoP made: blogs, newsletter articles, funding bids, projects.",
                         no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(help="A .csv (UTF-8) or .xlsx file; the first row names the columns.")]
RecordedBy = Annotated[str | None, typer.Option(help="Who records (default $COPFLOW_USER).")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Check every row and report; write nothing.")]
SkipExisting = Annotated[bool, typer.Option(
    "--skip-existing", help="Pass over rows already recorded (a sheet kept all year, imported again) instead of "
                            "refusing the file.")]


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on a terminal (large files take a while); nothing when output is piped."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def run_import(label: str, call: Callable[[Callable[[int, int], None] | None], Any]) -> Any:
    from copflow.services.imports import ImportRejected

    with _progress(label) as progress:
        try:
            result = call(progress)
        except ImportRejected as exc:
            # Every bad row on stdout (to fix the file in one go); the one-line error follows on stderr.
            count = f"{len(exc.problems)} problem{'' if len(exc.problems) == 1 else 's'}"
            ctx.table(f"{count} in {exc.path}", ["row", "column", "problem"],
                      [[p.row, p.column, p.reason] for p in exc.problems])
            raise
    typer.echo(result.summary() + (" (dry run: nothing written)" if result.dry_run else ""))
    return result


@import_app.command("people")
def import_people(path: FileArg, dry_run: DryRun = False) -> None:
    """People: email, name; optional department, line_manager, and cop + role (+ joined_on) for memberships."""
    from copflow.services.imports.people import import_people as service

    result = run_import("people", lambda p: service(ctx.uow(), path, now=ctx.now(), policy=ctx.policy(),
                                                    dry_run=dry_run, progress=p))
    if result.counts.get("meetings with new invitees") and not dry_run:
        from copflow.runs import deliver_now

        # new members' invitations to the meetings already running
        ctx.unsent(deliver_now(ctx.settings(), now=ctx.now(), queued=ctx.queued()))


@import_app.command("attendance")
def import_attendance(path: FileArg, dry_run: DryRun = False, skip_existing: SkipExisting = False,
                      by: RecordedBy = None) -> None:
    """Attendance: cop, title, date, email (one row per person per event); optional kind (default event)."""
    from copflow.services.imports.activities import import_attendance as service

    run_import("attendance", lambda p: service(ctx.uow(), path, by=ctx.actor(by), now=ctx.now(), policy=ctx.policy(),
                                               dry_run=dry_run, progress=p, skip_existing=skip_existing))


@import_app.command("activities")
def import_activities(path: FileArg, dry_run: DryRun = False, skip_existing: SkipExisting = False,
                      by: RecordedBy = None) -> None:
    """Activities and outputs: cop, kind, title, date; optional link, notes."""
    from copflow.services.imports.activities import import_activities as service

    run_import("activities", lambda p: service(ctx.uow(), path, by=ctx.actor(by), now=ctx.now(), policy=ctx.policy(),
                                               dry_run=dry_run, progress=p, skip_existing=skip_existing))


@import_app.command("survey")
def import_survey(path: FileArg,
                  cop: Annotated[str, typer.Option(help="The CoP whose members answered.")],
                  survey: Annotated[str, typer.Option(help="A name for this survey, e.g. 'review 2026'.")],
                  dry_run: DryRun = False, skip_existing: SkipExisting = False) -> None:
    """A survey export (e.g. Microsoft Forms): one row per response, one column per statement, Likert answers."""
    from copflow.services.imports.survey import import_survey as service

    run_import("survey", lambda p: service(ctx.uow(), path, slug=cop, survey=survey, now=ctx.now(), policy=ctx.policy(),
                                           dry_run=dry_run, progress=p, skip_existing=skip_existing))


def _log(category: str, slug: str, kind: str, title: str, when: str, by: str | None, link: str | None,
         notes: str | None, attendees: tuple[str, ...] = ()) -> None:
    from copflow.services.activities import log_activity

    a = log_activity(ctx.uow(), slug=slug, kind=kind, title=title, held_on=ctx.day(when, "--date"), by=ctx.actor(by),
                     now=ctx.now(), policy=ctx.policy(), attendees=attendees, link=link, notes=notes,
                     category=category)
    extra = f" with {a.attendees} attendee(s)" if category == "event" else ""
    typer.echo(f"{a.slug}: {a.kind} {a.title!r} on {a.held_on} recorded{extra}")


Kind = Annotated[str, typer.Option(help="What it was, e.g. lunch_and_learn, seminar, check_in, blog, funding_bid.")]
Title = Annotated[str, typer.Option(help="Its title.")]
When = Annotated[str, typer.Option("--date", help="When it was held or published (YYYY-MM-DD).")]
By = Annotated[str | None, typer.Option("--by", help="Who records it (default $COPFLOW_USER).")]
Link = Annotated[str | None, typer.Option(help="Where it can be found (slides, post, bid).")]
Notes = Annotated[str | None, typer.Option(help="Anything worth keeping.")]


@activity_app.command("log")
def activity_log(slug: Annotated[str, typer.Argument(help="The CoP.")], kind: Kind, title: Title, when: When,
                 attendee: Annotated[list[str] | None, typer.Option(help="An attendee's email (repeat).")] = None,
                 by: By = None, link: Link = None, notes: Notes = None) -> None:
    """Log one event (lunch & learn, seminar, workshop, check-in, sponsor catch-up …) and who attended."""
    _log("event", slug, kind, title, when, by, link, notes, tuple(attendee or ()))


@output_app.command("log")
def output_log(slug: Annotated[str, typer.Argument(help="The CoP.")], kind: Kind, title: Title, when: When,
               by: By = None, link: Link = None, notes: Notes = None) -> None:
    """Log one output (blog, newsletter article, funding bid, project, network, resource)."""
    _log("output", slug, kind, title, when, by, link, notes)


@activity_app.command("list")
def activity_list(slug: Annotated[str, typer.Argument(help="The CoP.")],
                  as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Everything logged for a CoP, oldest first."""
    from copflow.services.activities import list_activities

    rows = list_activities(ctx.uow(), slug=slug)
    if as_json:
        ctx.print_json([r.__dict__ for r in rows])
        return
    ctx.table(f"Activities of {slug}", ["date", "kind", "title", "attendees"],
              [[r.held_on, r.kind, r.title, r.attendees] for r in rows])


@activity_app.command("attendance")
def activity_attendance(
        slug: Annotated[str, typer.Argument(help="The CoP.")],
        when: Annotated[str, typer.Option("--date", help="The day the meeting was held (YYYY-MM-DD).")],
        kind: Annotated[str, typer.Option(help="checkin or sponsor-catchup.")] = "checkin",
        attendee: Annotated[list[str] | None, typer.Option(
            help="Who came (repeat): replaces the list pre-filled from the accepts.")] = None,
        yes: Annotated[bool, typer.Option("--yes", help="Record without asking (you have checked the list).")] = False,
        by: By = None) -> None:
    """Record a check-in's (or catch-up's) attendance, pre-filled from the invitations' accepts: the list is
    shown, and nothing is recorded until you confirm it."""
    from copflow.services.meetings.attendance import confirm_attendance, prefilled

    day = ctx.day(when, "--date")
    meeting = prefilled(ctx.uow(), slug=slug, kind=kind, held_on=day, now=ctx.now())
    typer.echo(f"{meeting.title} of {slug} on {meeting.at:%Y-%m-%d %H:%M}:")
    for i in meeting.invited:
        mark = "x" if i.ticked else " "
        typer.echo(f"  [{mark}] {i.name} <{i.email}> (answered: {i.answer.lower().replace('needs-action', 'nothing')})")
    attendees = tuple(attendee) if attendee else tuple(meeting.ticked)
    if not attendees:
        raise ctx.UsageError("nobody accepted: name who came with --attendee (repeat)", field="--attendee")
    if meeting.recorded:
        raise ctx.UsageError(f"the {meeting.title.lower()} of {day.isoformat()} is recorded already", field="--date")
    if not yes:
        typer.confirm(f"Record {len(attendees)} attendee(s): {', '.join(attendees)}?", abort=True)
    a = confirm_attendance(ctx.uow(), slug=slug, kind=kind, held_on=day, attendees=attendees, by=ctx.actor(by),
                           now=ctx.now(), policy=ctx.policy())
    typer.echo(f"{a.slug}: {a.kind} {a.title!r} on {a.held_on} recorded with {a.attendees} attendee(s)")
