"""`copflow review decide`: the decision that ends a review, with who decided and why."""

from __future__ import annotations

from datetime import date
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
    from copflow.services.reviews import decide_review

    when = None
    if closing_date:
        try:
            when = date.fromisoformat(closing_date)
        except ValueError:
            raise ctx.UsageError(f"--closing-date must be YYYY-MM-DD, not {closing_date!r}") from None
    r = decide_review(ctx.uow(), slug=slug, decision=decision, decided_by=ctx.actor(by), reason=reason,
                      now=ctx.now(), policy=ctx.policy(), closing_date=when, kind=kind)
    typer.echo(f"{r.slug}: {r.from_stage} → {r.to_stage} ({decision})")
    from copflow.cli.running import after_gate

    after_gate(r, extra=[("copflow.review.decided", {"decision": decision, "to": r.to_stage})])
