"""Commands that change a CoP's lineage at a review: split into sub-communities, or merge into another CoP."""

from __future__ import annotations

from typing import Annotated

import typer

from copflow.cli import context as ctx


def split_cmd(
    slug: Annotated[str, typer.Argument(help="The CoP under review that splits.")],
    child: Annotated[list[str], typer.Option("--child", help="SLUG:NAME:EMAIL,EMAIL… for each sub-community.")],
    reason: Annotated[str, typer.Option(help="Why (audit trail).")],
    by: Annotated[str | None, typer.Option("--by", help="Who decides (email).")] = None,
) -> None:
    """Split into sub-communities: each child starts forming with its members; the parent renews."""
    from copflow.services.reviews.evolve import Child, split

    children = []
    for spec in child:
        parts = spec.split(":", 2)
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise ctx.UsageError(f"--child takes SLUG:NAME:EMAIL,EMAIL…, not {spec!r}", field="--child", value=spec)
        children.append(Child(parts[0].strip(), parts[1].strip(),
                              tuple(e.strip() for e in parts[2].split(",") if e.strip())))
    r = split(ctx.uow(), slug=slug, children=children, decided_by=ctx.actor(by), reason=reason, now=ctx.now(),
              policy=ctx.policy(), od_manager=ctx.settings().od_manager_email)
    typer.echo(f"{slug}: {ctx.moved(r.from_stage, r.to_stage)}; new: {', '.join(c.slug for c in children)} (forming)")
    from copflow.runs import after_gate

    ctx.unsent(after_gate(ctx.settings(), r, now=ctx.now(), queued=ctx.queued()))


def merge_cmd(
    slug: Annotated[str, typer.Argument(help="The CoP under review that merges.")],
    into: Annotated[str, typer.Option("--into", help="The CoP it joins.")],
    reason: Annotated[str, typer.Option(help="Why (audit trail).")],
    by: Annotated[str | None, typer.Option("--by", help="Who decides (email).")] = None,
) -> None:
    """Merge into another CoP: members and meeting series move there; this CoP closes after the notice period."""
    from copflow.services.reviews.evolve import merge

    r = merge(ctx.uow(), slug=slug, into=into, decided_by=ctx.actor(by), reason=reason, now=ctx.now(),
              policy=ctx.policy(), od_manager=ctx.settings().od_manager_email)
    typer.echo(f"{slug}: merged into {into}; {ctx.moved(r.from_stage, r.to_stage)}")
    from copflow.runs import after_gate

    ctx.unsent(after_gate(ctx.settings(), r, now=ctx.now(), queued=ctx.queued()))


def register(cop_app: typer.Typer) -> None:
    cop_app.command("split")(split_cmd)
    cop_app.command("merge")(merge_cmd)
