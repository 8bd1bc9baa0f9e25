"""`copflow mail read`: read the programme's mailbox now (replies, RSVPs, bounces), without Prefect; `copflow mail
list`: what it brought back, the quarantined messages first among the OD manager's concerns."""

from __future__ import annotations

from typing import Annotated

import typer

from copflow.cli import context as ctx
from copflow.terminal import shown

mail_app = typer.Typer(help="The programme's mailbox: replies, RSVPs and bounces read back.", no_args_is_help=True)


@mail_app.command("read")
def mail_read(
    limit: Annotated[int, typer.Option(help="At most this many messages; the rest wait for the next run.")] = 500,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="One line per message read.")] = False,
) -> None:
    """Read the waiting messages once each, act on them, and move each to processed, ignored or quarantined."""
    from copflow.runs import deliver_now
    from copflow.services.inbox.read import read_with_settings

    if not 1 <= limit <= 10_000:
        raise ctx.UsageError(f"--limit must be from 1 to 10000, not {limit}", field="--limit", value=limit)
    settings = ctx.settings()
    r = read_with_settings(settings, now=ctx.now(), limit=limit, uow=ctx.uow())
    typer.echo(f"read {r.read} from {r.where}: processed {r.processed}, ignored {r.ignored}, "
               f"quarantined {r.quarantined}" + (f"; {r.read_before} read before, moved again" if r.read_before
                                                 else ""))
    for line in r.lines if verbose else [x for x in r.lines if " quarantined " in x]:
        typer.echo(shown(line))  # a Message-ID and a reason may quote what the sender wrote
    if r.processed:  # receipts and forwards go now when embedded (the deliver-outbox deployment's work on a server)
        ctx.unsent(deliver_now(settings, now=ctx.now(), queued=ctx.queued()))


@mail_app.command("list")
def mail_list(
    outcome: Annotated[str | None, typer.Option(help="processed, ignored or quarantined.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the messages read back, newest first, with what came of each and why (--outcome quarantined: those
    nobody acted on, waiting in the mailbox's quarantined folder)."""
    from copflow.services.inbox.listing import count_inbound, list_inbound

    if not 1 <= limit <= 10_000:
        raise ctx.UsageError(f"--limit must be from 1 to 10000, not {limit}", field="--limit", value=limit)
    rows = list_inbound(ctx.uow(), outcome=outcome, limit=limit)
    if as_json:
        from dataclasses import asdict

        ctx.print_json([asdict(r) for r in rows], ascii_only=True)  # a sender's C1 or bidi controls as \u escapes
        return
    tz, when = ctx.policy().zone(), ctx.local_minute
    ctx.table(None, ["id", "read", "outcome", "from", "subject", "CoP", "why"],
              [[r.id, when(r.read_at, tz), r.outcome, r.sender, r.subject, r.cop or "", r.reason] for r in rows])
    total = count_inbound(ctx.uow(), outcome=outcome)
    ctx.shown_of(len(rows), total, tz)

