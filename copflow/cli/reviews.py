"""`copflow review decide`: the decision that ends a review, with who decided and why."""

from __future__ import annotations

from typing import Annotated

import typer

from copflow.cli import context as ctx

review_app = typer.Typer(help="Decide reviews: pass, evolve or close, with the reasons.", no_args_is_help=True)


@review_app.command("decide")
def review_decide(
    slug: Annotated[str, typer.Argument(help="The CoP under review.")],
    decision: Annotated[str, typer.Option(help="pass (continue), evolve or close.")],
    reason: Annotated[str, typer.Option(help="Why: kept in the audit trail and sent to the leads.")],
    by: Annotated[str | None, typer.Option("--by", help="Who decides (email; default $COPFLOW_USER).")] = None,
    closing_date: Annotated[str | None, typer.Option(help="For close: YYYY-MM-DD, after the notice period.")] = None,
    kind: Annotated[str | None, typer.Option(help="For evolve: renew, split or merge.")] = None,
) -> None:
    """Record the review decision and move the CoP on (active, planning or closing)."""
    from copflow.services.errors import InvalidInput
    from copflow.services.reviews.decide import decide_review, require_under_review

    when = ctx.day(closing_date, "--closing-date") if closing_date else None
    try:
        who = ctx.actor(by)
    except InvalidInput:
        require_under_review(ctx.uow(), slug)  # the real problem first: a CoP not under review is refused as such
        raise
    r = decide_review(ctx.uow(), slug=slug, decision=decision, decided_by=who, reason=reason,
                      now=ctx.now(), policy=ctx.policy(), closing_date=when, kind=kind,
                      reports_dir=ctx.settings().reports_dir, od_manager=ctx.settings().od_manager_email)
    typer.echo(f"{r.slug}: {ctx.moved(r.from_stage, r.to_stage)} ({decision})")
    from copflow.runs import after_gate

    ctx.unsent(after_gate(ctx.settings(), r, now=ctx.now(), queued=ctx.queued()))


@review_app.command("report")
def review_report(
    slug: Annotated[str, typer.Argument(help="The CoP to evaluate (usually one under review).")],
    as_markdown: Annotated[bool, typer.Option("--markdown", help="Also print the Markdown report.")] = False,
) -> None:
    """Compute the evaluation for the current review period and write the HTML and Markdown report."""
    from copflow.services.evaluation.review_report import evaluate_cop

    s = ctx.settings()
    out = evaluate_cop(ctx.uow(), slug=slug, now=ctx.now(), policy=ctx.policy(), reports_dir=s.reports_dir,
                       by=ctx.actor(None), od_manager=s.od_manager_email)
    rec = out.evaluation.recommendation
    if as_markdown:
        typer.echo(out.markdown)
    typer.echo(f"{slug}: recommendation {rec.decision}" + (f" ({'; '.join(rec.reasons)})" if rec.reasons else ""))
    typer.echo(f"report: {out.html_path} (also .md and .pdf)")
    if out.messages_queued:
        typer.echo(f"{out.messages_queued} message(s) queued for the leads, sponsor and OD manager")
