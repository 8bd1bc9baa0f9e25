"""Commands for meetings and message previews."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from copflow.cli import context as ctx

meeting_app = typer.Typer(help="Schedule, move and cancel meetings; each sends calendar invitations.",
                          no_args_is_help=True)
notify_app = typer.Typer(help="See every kind of message copflow sends.", no_args_is_help=True)


def _when(text: str, option: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError:
        raise ctx.UsageError(f"{option} must be a local date and time like 2026-03-03T12:30, not {text!r}",
                             field=option, value=text) from None
    if value.tzinfo is not None:
        raise ctx.UsageError(f"{option} is a wall-clock time in the CoP's time zone: leave out the offset",
                             field=option, value=text)
    return value


@meeting_app.command("schedule")
def meeting_schedule(
    slug: Annotated[str, typer.Argument(help="The CoP's slug.")],
    kind: Annotated[str, typer.Argument(help="checkin, sponsor_catchup, sponsor_meeting, launch, review, closing.")],
    at: Annotated[str, typer.Option("--at", help="Local start, e.g. 2026-03-03T12:30 (the CoP's time zone).")],
    minutes: Annotated[int | None, typer.Option(help="Length (default: policy's meeting_minutes).")] = None,
    location: Annotated[str | None, typer.Option(help="Room or online link.")] = None,
) -> None:
    """Schedule a meeting (check-ins and catch-ups repeat) and invite its attendees."""
    from copflow.services.meetings import schedule
    from copflow.services.snapshots import get_cop

    start = _when(at, "--at")
    with ctx.uow() as u:
        cop = get_cop(u.session, slug, for_write=True)
        series = schedule(u.session, cop, kind, start, now=ctx.now(), policy=ctx.policy(), minutes=minutes,
                          location=location)
        u.commit()
        uid, count = series.uid, len(series.attendees)
    typer.echo(f"scheduled {uid}; invitations queued for {count} people")
    _deliver()


@meeting_app.command("reschedule")
def meeting_reschedule(
    slug: Annotated[str, typer.Argument(help="The CoP's slug.")],
    uid: Annotated[str, typer.Argument(help="The meeting's UID (see `copflow meeting list`).")],
    at: Annotated[str, typer.Option("--at", help="New local start, e.g. 2026-03-10T12:30.")],
    location: Annotated[str | None, typer.Option(help="New room or link.")] = None,
) -> None:
    """Move a meeting or series: the same UID with a raised SEQUENCE, sent to everyone invited."""
    from copflow.services.meetings import reschedule

    series = reschedule(ctx.uow(), slug=slug, uid=uid, start_local=_when(at, "--at"), now=ctx.now(),
                        location=location)
    typer.echo(f"moved {series.uid} to {series.starts_local} (sequence {series.sequence})")
    _deliver()


@meeting_app.command("cancel")
def meeting_cancel(
    slug: Annotated[str, typer.Argument(help="The CoP's slug.")],
    uid: Annotated[str, typer.Argument(help="The meeting's UID.")],
    occurrence: Annotated[str | None, typer.Option(help="Cancel only this occurrence (its local start).")] = None,
    reason: Annotated[str | None, typer.Option(help="Told to the attendees.")] = None,
) -> None:
    """Cancel a series, or one occurrence of it, with METHOD:CANCEL."""
    from copflow.services.meetings import cancel

    when = _when(occurrence, "--occurrence") if occurrence else None
    series = cancel(ctx.uow(), slug=slug, uid=uid, now=ctx.now(), occurrence=when, reason=reason)
    typer.echo(f"cancelled {series.uid}" + (f" on {occurrence}" if occurrence else "") +
               f" (sequence {series.sequence})")
    _deliver()


@meeting_app.command("list")
def meeting_list(
    slug: Annotated[str, typer.Argument(help="The CoP's slug.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List a CoP's meetings and series."""
    from copflow.services.meetings import list_series

    rows = list_series(ctx.uow(), slug)
    if as_json:
        from dataclasses import asdict

        ctx.print_json([asdict(r) for r in rows])
        return
    ctx.table(None, ["uid", "kind", "starts", "tz", "repeats", "seq", "status", "invited"],
              [[r.uid, r.kind, r.starts, r.tz, r.repeats, r.sequence, r.status, r.attendees] for r in rows])


@notify_app.command("preview")
def notify_preview(
    name: Annotated[str | None, typer.Argument(help="A message kind (omit to list them).")] = None,
    html: Annotated[bool, typer.Option("--html", help="Print the HTML part instead of the text.")] = False,
    ics: Annotated[bool, typer.Option("--ics", help="Print the invitation's iCalendar text.")] = False,
    every: Annotated[bool, typer.Option("--all", help="Write every kind to --out as HTML, text and a PNG.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for --all (a gallery with index.html).")] = None,
) -> None:
    """Show a sample of a message kind, rendered from the real templates, without sending it; or, with --all
    --out DIR, write a gallery of every kind (HTML, text, and a 600 px PNG rendered by headless Chromium)."""
    from notifications.previews import PREVIEWS, preview, write_gallery

    if every:
        if out is None or name is not None:
            raise ctx.UsageError("--all writes every kind to a folder: give --out DIR and no message kind")
        files = write_gallery(out)
        pngs = sum(1 for f in files if f.suffix == ".png")
        typer.echo(f"{len(PREVIEWS)} message kinds (samples) written to {out}: open {files[0]} "
                   f"({pngs} screenshots at 600 px)")
        return
    if name is None:
        for key, (_template, when, who, _) in PREVIEWS.items():
            typer.echo(f"{key:30} to {who}: {when}")
        return
    try:
        rendered, calendar = preview(name)
    except LookupError as exc:
        raise ctx.UsageError(str(exc), value=name) from None
    if ics:
        if calendar is None:
            raise ctx.UsageError(f"{name} carries no invitation", value=name)
        typer.echo(calendar, nl=False)
        return
    _t, when, who, _c = PREVIEWS[name]
    typer.echo(f"[sample] {name}: sent to {who}, {when}\n")
    typer.echo(f"Subject: {rendered.subject}\n")
    typer.echo(rendered.html if html else rendered.text, nl=False)


def _deliver() -> None:
    from copflow.cli.running import deliver_now

    deliver_now()
