"""Task that publishes the portfolio as a Prefect table artifact for OD managers."""

from __future__ import annotations

from datetime import datetime

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from copflow.services.portfolio import PortfolioRow, portfolio, stage_counts
from lifecycle import GATE_TITLES, mermaid
from notifications.vocabulary import gate_words, long_date, plural, short_date, stage_words
from tasks.common import settings, uow

_STEP = {title: gate_words(gate.value).capitalize() for gate, title in GATE_TITLES.items()}


def artifact_rows(rows: list[PortfolioRow]) -> list[dict[str, str]]:
    """What an OD manager reads at a laptop's width: six columns with human headers, most overdue first, then
    by the date something is due (closed CoPs last)."""
    def urgency(r: PortfolioRow) -> tuple[bool, int, str, str]:
        return (r.stage == "closed", -r.overdue_days, r.due_on or "9999", r.name)

    return [{"CoP": r.name, "Stage": stage_words(r.stage), "Next step": _STEP.get(r.next_gate or "", r.next_gate or ""),
             "Due": short_date(r.due_on), "Status": f"{r.overdue_days} days late ({r.health})" if r.overdue_days
             else r.health, "Next review": short_date(r.next_review_on)} for r in sorted(rows, key=urgency)]


@task(name="publish-portfolio", retries=1)
def publish_portfolio(now: datetime) -> int:
    """The whole portfolio (weekly report, on demand), and the lifecycle diagram with each stage's count."""
    rows = portfolio(uow(), now=now, policy=settings().policy())
    create_table_artifact(key="copflow-portfolio", table=artifact_rows(rows),
                          description=f"Every CoP's stage, next step and health on {long_date(now)}, "
                                      "most overdue first")
    counts = stage_counts(uow())
    # Prefect's UI draws a mermaid block in a Markdown artifact as the diagram itself.
    create_markdown_artifact(
        key="copflow-lifecycle",
        markdown=f"# The CoP lifecycle, {long_date(now)}\n\n{plural(len(rows), 'CoP')}; "
                 "each stage says how many are in it. "
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
    create_table_artifact(key="copflow-attention", table=artifact_rows(rows),
                          description=f"CoPs with something due or overdue on {long_date(now)}, most "
                                      "overdue first. By stage: "
                                      + ", ".join(f"{stage_words(k)} {v}" for k, v in sorted(counts.items())))
    return len(rows)
