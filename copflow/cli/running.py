"""Commands that run flows or deliver mail. Prefect is imported inside them only (it costs ~1.5 s)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from copflow.cli import context as ctx
from copflow.runs import deliver_now, embedded_runs, prefect_env_defaults

outbox_app = typer.Typer(help="Look at and deliver the outbox of messages.", no_args_is_help=True)


def register_flow_commands(app: typer.Typer) -> None:
    app.add_typer(outbox_app, name="outbox")
    app.command("sweep")(sweep)
    app.command("demo")(demo)


def sweep(batch_size: Annotated[int, typer.Option(help="CoPs per task run.")] = 500) -> None:
    """Run the daily sweep flow now: open due reviews, queue reminders and escalations, deliver mail."""
    ctx.require_database()  # before Prefect makes its home: a mistyped COPFLOW_HOME creates nothing
    prefect_env_defaults()  # before Prefect is imported: its settings are read at import
    from flows.daily_sweep import daily_sweep

    with embedded_runs():
        summary = daily_sweep(now=ctx.now(), batch_size=batch_size)
    steps = summary.pop("steps", [])
    typer.echo(" ".join(f"{k}={v}" for k, v in summary.items()))
    typer.echo("took: " + "; ".join(f"{st['step']} {st['seconds']:.2f} s" for st in steps))


@outbox_app.command("deliver")
def outbox_deliver(batch_size: Annotated[int, typer.Option(help="Messages per connection.")] = 200) -> None:
    """Send every due message now (without Prefect), over one connection per batch."""
    from copflow.services.errors import CopflowError
    from copflow.services.mail.delivery import deliver_with_settings, transport_for

    s = ctx.settings()
    r = deliver_with_settings(s, now=ctx.now(), batch_size=batch_size)
    if r.login_refused:  # no message is at fault and none can go: the settings must change
        raise CopflowError(f"mail not sent: {r.errors[-1]}")
    typer.echo(f"sent {r.sent}, retried {r.retried}, parked {r.parked} via {transport_for(s).describe()}"
               + (f"; {r.waiting} waiting (all sent by {r.clears_at[:16].replace('T', ' ')} UTC)"
                  if r.waiting and r.clears_at else ""))
    p = r.posts
    if p.posted or p.retried or p.parked or p.rate_limited:
        typer.echo(f"posted {p.posted} to chat channels, retried {p.retried + p.rate_limited}, parked {p.parked}")
    for e in r.errors + p.parked_posts:
        typer.echo(f"warning: {e}", err=True)


@outbox_app.command("list")
def outbox_list(
    status: Annotated[str | None, typer.Option(help="pending, sending, sent, parked, withdrawn or bounced.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show outbox messages, newest first."""
    from copflow.services.mail.outbox_admin import count_messages, list_messages

    rows = list_messages(ctx.uow(), status=status, limit=limit)
    if as_json:
        from dataclasses import asdict

        ctx.print_json([asdict(r) for r in rows])
        return
    tz, when = ctx.policy().zone(), ctx.local_minute
    ctx.table(None, ["id", "status", "queued", "sent", "to", "subject", "error"],
              [[r.id, r.status, when(r.queued_at, tz), when(r.sent_at, tz), r.to, r.subject, r.error]
               for r in rows])
    total = count_messages(ctx.uow(), status=status)
    ctx.shown_of(len(rows), total, tz)



@outbox_app.command("retry")
def outbox_retry(
    ids: Annotated[list[int] | None, typer.Argument(help="Ids of parked messages (see `copflow outbox list "
                                                          "--status parked`).")] = None,
    all_parked: Annotated[bool, typer.Option("--all-parked", help="Every parked message.")] = False,
) -> None:
    """Send parked messages again once the cause is fixed (a mail server down for longer than the retries last,
    a full mailbox). Each keeps its key and Message-ID; a message already sent is never sent twice."""
    from copflow.services.mail.outbox_admin import requeue_parked

    if bool(ids) == all_parked:
        raise ctx.UsageError("name the parked messages by id, or give --all-parked (not both)", field="--all-parked")
    chosen = requeue_parked(ctx.uow(), now=ctx.now(), ids=None if all_parked else list(ids or []))
    typer.echo(f"{len(chosen)} parked message(s) queued again" + (f": {', '.join(map(str, chosen))}" if chosen
                                                                   else ""))
    if chosen:
        ctx.unsent(deliver_now(ctx.settings(), now=ctx.now(), queued=chosen))  # these, not the whole outbox


def demo(
    folder: Annotated[Path, typer.Option(help="Where the demo's database, Maildir and run records go.")]
    = Path("copflow-demo"),
) -> None:
    """Show the whole lifecycle on this machine: a sample portfolio walked through its gates, a sweep run."""
    from copflow.demo.walkthrough import run_demo

    run_demo(folder.resolve())
