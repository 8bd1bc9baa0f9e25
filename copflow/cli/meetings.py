"""Commands for meetings and message previews."""

from __future__ import annotations

import sys
from datetime import date, datetime, time
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
    if len(text.strip()) <= 10:
        raise ctx.UsageError(f"{option} needs a time of day too, like {text.strip()}T12:30", field=option, value=text)
    return value


def _start_or_time(text: str) -> datetime | time:
    """--at of a move: a new local start, or only a new time of day (the dates stay)."""
    if ":" in text and len(text.strip()) <= 5:
        try:
            return time.fromisoformat(text.strip())
        except ValueError:
            raise ctx.UsageError(f"--at must be a local start like 2026-03-10T13:00 or a time like 13:00, "
                                 f"not {text!r}") from None
    return _when(text, "--at")


def _occurrence(text: str) -> date | datetime:
    """--occurrence: the occurrence's date (2026-12-03), or its local start to be exact."""
    if len(text.strip()) == 10:
        return ctx.day(text.strip(), "--occurrence")
    return _when(text, "--occurrence")


MEETING = Annotated[str, typer.Argument(help="The meeting: its kind (checkin, sponsor-catchup, review …) or its UID.")]


@meeting_app.command("schedule")
def meeting_schedule(
    slug: Annotated[str, typer.Argument(help="The CoP's slug.")],
    kind: Annotated[str, typer.Argument(help="checkin, sponsor-catchup, sponsor-meeting, launch, review, closing.")],
    at: Annotated[str, typer.Option("--at", help="Local start, e.g. 2026-03-03T12:30 (the CoP's time zone).")],
    minutes: Annotated[int | None, typer.Option(help="Length (default: policy's meeting_minutes).")] = None,
    location: Annotated[str | None, typer.Option(help="Room or online link (default: the CoP's place).")] = None,
) -> None:
    """Schedule a meeting and invite its attendees. Check-ins repeat monthly on that date's weekday position
    (a start on the second Tuesday: every second Tuesday), catch-ups every few weeks on its weekday."""
    from copflow.services.meetings.series import schedule
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


@meeting_app.command("move")
def meeting_move(
    slug: Annotated[str, typer.Argument(help="The CoP's slug.")],
    meeting: MEETING,
    at: Annotated[str, typer.Option("--at", help="New local start (2026-03-10T13:00), or a new time (13:00).")],
    from_day: Annotated[str | None, typer.Option("--from", help="Change the series from this date on (YYYY-MM-DD); "
                                                               "the occurrences before it stay as they were.")] = None,
    location: Annotated[str | None, typer.Option(help="New room or link.")] = None,
) -> None:
    """Move a meeting or series. Without --from, the whole series: same UID, raised SEQUENCE, one update per
    attendee. With --from, the series ends before that date and a new one (new UID) takes over from it."""
    from copflow.services.meetings.changes import reschedule

    done = reschedule(ctx.uow(), slug=slug, meeting=meeting, start=_start_or_time(at), now=ctx.now(),
                      policy=ctx.policy(), location=location,
                      from_day=ctx.day(from_day, "--from") if from_day else None)
    typer.echo(f"{done.said} (sequence {done.sequence}); {done.queued} invitations queued")
    _deliver()


meeting_app.command("reschedule", hidden=True)(meeting_move)  # the name before `move`


@meeting_app.command("cancel")
def meeting_cancel(
    slug: Annotated[str, typer.Argument(help="The CoP's slug.")],
    meeting: MEETING,
    occurrence: Annotated[str | None, typer.Option(help="Cancel only the occurrence on this date (2026-12-03) "
                                                        "or at this local start.")] = None,
    reason: Annotated[str | None, typer.Option(help="Told to the attendees.")] = None,
) -> None:
    """Cancel a series, or one occurrence of it, with METHOD:CANCEL. Cancelling twice sends nothing."""
    from copflow.services.meetings.changes import cancel

    done = cancel(ctx.uow(), slug=slug, meeting=meeting, now=ctx.now(),
                  occurrence=_occurrence(occurrence) if occurrence else None, reason=reason)
    typer.echo(f"{done.said} (sequence {done.sequence}); {done.queued} cancellations queued")
    _deliver()


@meeting_app.command("restore")
def meeting_restore(slug: Annotated[str, typer.Argument(help="The CoP's slug.")], meeting: MEETING) -> None:
    """Send a cancelled series again: a new invitation (same UID, raised SEQUENCE) to everyone who attends it
    now, which puts it back in their calendars."""
    from copflow.services.meetings.changes import restore

    done = restore(ctx.uow(), slug=slug, meeting=meeting, now=ctx.now(), policy=ctx.policy())
    typer.echo(done.said)
    _deliver()


@meeting_app.command("list")
def meeting_list(
    slug: Annotated[str, typer.Argument(help="The CoP's slug.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """A CoP's meetings: how each repeats, the next one, where, what is cancelled, and its status."""
    from copflow.services.meetings.changes import list_series

    rows = list_series(ctx.uow(), slug, now=ctx.now())
    if as_json:
        from dataclasses import asdict

        ctx.print_json([asdict(r) for r in rows])
        return
    ctx.table(None, ["kind", "uid", "repeats", "next", "tz", "place", "cancelled", "status", "invited"],
              [[r.kind, r.uid, r.repeats or f"once, {r.starts}", r.next or "-", r.tz, r.place or "-",
                ", ".join(r.cancelled_occurrences) or "-", r.status, r.attendees] for r in rows])


def cop_set(
    slug: Annotated[str, typer.Argument(help="The CoP's slug.")],
    timezone: Annotated[str | None, typer.Option(help="IANA time zone, e.g. Europe/Dublin.")] = None,
    place: Annotated[str | None, typer.Option(help="Room or online meeting link ('' for the policy's).")] = None,
    at: Annotated[str | None, typer.Option("--time", help="Meeting time of day, e.g. 13:00.")] = None,
    weekday: Annotated[str | None, typer.Option(help="Weekday its series meet on, e.g. Wednesday.")] = None,
    holidays: Annotated[str | None, typer.Option(help="Public holidays of this region instead of the policy's, "
                                                      "e.g. AU-NSW ('' for the policy's).")] = None,
    channel: Annotated[str | None, typer.Option(
        help="The CoP's chat channel: an Apprise URL or a Teams Workflows / Slack webhook address; '-' reads it "
             "from standard input (kept out of the shell's history); '' removes it. A test post is sent first."
    )] = None,
    channel_handover: Annotated[str | None, typer.Option(
        "--channel-handover", help="On a split or merge, move the channel to the new communities, or clear it "
                                   "(move or clear; default clear).")] = None,
    by: Annotated[str | None, typer.Option(help="Who sets the channel (default: COPFLOW_USER, else you).")] = None,
) -> None:
    """Change where and when a CoP meets (its live meetings are sent again as one update per attendee), or set
    its chat channel."""
    if channel is not None or channel_handover is not None:
        _set_channel(slug, channel, channel_handover, by)
        if all(x is None for x in (timezone, place, at, weekday, holidays)):
            return
    from copflow.services.meetings.settings import set_cop_meetings

    done = set_cop_meetings(ctx.uow(), slug=slug, now=ctx.now(), policy=ctx.policy(), timezone=timezone,
                            place=place, at=at, weekday=weekday, public_holidays=holidays)
    typer.echo(f"{done.slug}: time zone {done.timezone}, place {done.place or '(policy default)'}, time "
               f"{done.time or '(policy default)'}, weekday {done.weekday or '(policy default)'}, holidays "
               f"{done.public_holidays or '(policy default)'}")
    for line in done.updated:
        typer.echo(f"  updated {line}")
    _deliver()


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


def _set_channel(slug: str, channel: str | None, handover: str | None, by: str | None) -> None:
    """The channel's address is never echoed: what is printed is how the channel is shown (service, fingerprint)."""
    from copflow.services.channels import set_channel

    if channel is None:
        raise ctx.UsageError("--channel-handover is chosen with the channel: give --channel (or --channel -) too",
                             field="--channel")
    address = sys.stdin.readline(2001).strip() if channel == "-" else channel
    done = set_channel(ctx.uow(), slug=slug, address=address, by=ctx.actor(by), now=ctx.now(),
                       settings=ctx.settings(), handover=handover)
    if done.shown is None:
        typer.echo(f"{done.slug}: no chat channel (posts still waiting for it are set aside)")
    else:
        typer.echo(f"{done.slug}: chat channel {done.shown}, on a split or merge: {done.handover} "
                   "(a test post was accepted)")


def _deliver() -> None:
    from copflow.runs import deliver_now

    ctx.unsent(deliver_now(ctx.settings(), now=ctx.now(), queued=ctx.queued()))
