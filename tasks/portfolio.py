"""Task that publishes the portfolio as a Prefect table artifact for OD managers."""

from __future__ import annotations

from datetime import datetime

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from copflow.services.portfolio import portfolio, stage_counts
from lifecycle import mermaid
from tasks.common import settings, uow


@task(name="publish-portfolio", retries=1)
def publish_portfolio(now: datetime) -> int:
    """The whole portfolio (weekly report, on demand), and the lifecycle diagram with each stage's count."""
    rows = portfolio(uow(), now=now, policy=settings().policy())
    create_table_artifact(key="copflow-portfolio", table=[r.as_dict() for r in rows],
                          description=f"Every CoP's stage, next gate and health at {now:%Y-%m-%d}")
    counts = stage_counts(uow())
    # Prefect's UI draws a mermaid block in a Markdown artifact as the diagram itself.
    create_markdown_artifact(
        key="copflow-lifecycle",
        markdown=f"# The CoP lifecycle, {now:%Y-%m-%d}\n\n{len(rows)} CoPs; each stage says how many are in it. "
                 "Gates in brackets; see `copflow gate fields` for the evidence each takes.\n\n"
                 f"```mermaid\n{mermaid(counts)}```\n",
        description="The lifecycle (generated from the transition table) with the number of CoPs in each stage")
    return len(rows)


@task(name="publish-attention", retries=1)
def publish_attention(now: datetime) -> int:
    """What needs attention (due soon or overdue) and how many CoPs are in each stage: the daily view,
    whose cost follows what is due, not the portfolio's size."""
    rows = portfolio(uow(), now=now, policy=settings().policy(), attention_only=True)
    counts = stage_counts(uow())
    create_table_artifact(key="copflow-attention", table=[r.as_dict() for r in rows],
                          description=f"CoPs with a gate due or overdue at {now:%Y-%m-%d}; by stage: "
                                      + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return len(rows)
