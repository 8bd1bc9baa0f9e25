"""Tasks that publish the portfolio and what needs attention as Markdown artifacts for OD managers: a table whose
CoP names link to each CoP's entry on the hub (and to its evaluation or closure artifact, when it has one)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from prefect import task
from prefect.artifacts import create_markdown_artifact

from copflow.runs import ui_url
from copflow.services.portfolio import PortfolioRow, portfolio, stage_counts
from lifecycle import GATE_TITLES, mermaid
from notifications.markdown_views import cop_cell, escape, table
from notifications.vocabulary import gate_words, long_date, plural, short_date, stage_words
from tasks.common import settings, steps, uow

_STEP = {title: gate_words(gate.value).capitalize() for gate, title in GATE_TITLES.items()}
HEADERS = ("CoP", "Stage", "Next step", "Due", "Status", "Next review")
# A CoP's own artifacts, by the label its row gives the link.
_OWN_ARTIFACTS = (("evaluation", "copflow-evaluation-{slug}"), ("closure record", "copflow-closure-{slug}"))


def by_urgency(rows: Iterable[PortfolioRow]) -> list[PortfolioRow]:
    """Most overdue first, then by the date something is due (closed CoPs last)."""
    return sorted(rows, key=lambda r: (r.stage == "closed", -r.overdue_days, r.due_on or "9999", r.name))


def _day(value: str | None) -> str:
    return short_date(value).replace(" ", "\u00a0")  # a date never breaks across lines in a narrow column


def portfolio_table(rows: list[PortfolioRow], *, web_url: str, ui: str | None = None,
                    published: frozenset[str] = frozenset()) -> list[str]:
    """What an OD manager reads at a laptop's width: six columns with human headers, most overdue first; the
    CoP's name opens its entry on the hub, and its evaluation or closure artifact follows when `published`."""
    lines = []
    for r in by_urgency(rows):
        own = [(label, key.format(slug=r.slug)) for label, key in _OWN_ARTIFACTS
               if key.format(slug=r.slug) in published]
        status = f"{plural(r.overdue_days, 'day')} late ({r.health})" if r.overdue_days else r.health
        # The hub lists open CoPs only: a closed one's name is plain, its closure record the link.
        lines.append((cop_cell(r.name, r.slug, web_url, own, ui, on_hub=r.stage != "closed"),
                      escape(stage_words(r.stage)),
                      escape(_STEP.get(r.next_gate or "", r.next_gate or "")), _day(r.due_on), escape(status),
                      _day(r.next_review_on)))
    return table(HEADERS, lines)


def published_keys(keys: list[str]) -> frozenset[str]:
    """Which of these artifact keys the Prefect API holds (an evaluation made from the CLI publishes none)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey

    found: set[str] = set()
    with get_client(sync_client=True) as client:
        for i in range(0, len(keys), 200):
            chunk = keys[i:i + 200]
            found |= {a.key for a in client.read_latest_artifacts(
                artifact_filter=ArtifactCollectionFilter(key=ArtifactCollectionFilterKey(any_=chunk)),
                limit=len(chunk))}
    return frozenset(found)


def _view(rows: list[PortfolioRow], empty: str) -> list[str]:
    if not rows:
        return [empty]
    keys = [key.format(slug=r.slug) for r in rows for _, key in _OWN_ARTIFACTS]
    return portfolio_table(rows, web_url=settings().web_url, ui=ui_url(), published=published_keys(keys))


def _by_stage(counts: dict[str, int]) -> str:
    return ", ".join(f"{stage_words(k)} {v}" for k, v in sorted(counts.items()))


@task(name="publish-portfolio", retries=1)
def publish_portfolio(now: datetime) -> int:
    """The whole portfolio (weekly report, on demand), and the lifecycle diagram with each stage's count."""
    rows = portfolio(uow(), now=now, policy=settings().policy())
    create_markdown_artifact(
        key="copflow-portfolio",
        markdown="\n".join([f"# Every CoP, {long_date(now)}", "",
                            f"{plural(len(rows), 'CoP')}, most overdue first. A CoP's name opens its entry on the "
                            "hub.", "", *_view(rows, "No CoPs yet.")]) + "\n",
        description=f"Every CoP's stage, next step and health on {long_date(now)}, most overdue first")
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
    rows, counts = steps().attention_rows(now)
    body = _view(rows, "Nothing is due soon and nothing is overdue.")
    create_markdown_artifact(
        key="copflow-attention",
        markdown="\n".join([f"# What needs attention, {long_date(now)}", "",
                            f"{plural(len(rows), 'CoP')} with something due soon or overdue, most overdue first. "
                            "A CoP's name opens its entry on the hub.", "", *body, "",
                            f"CoPs by stage: {escape(_by_stage(counts)) or 'none yet'}."]) + "\n",
        description=f"CoPs with something due or overdue on {long_date(now)}, most overdue first. By stage: "
                    + _by_stage(counts))
    return len(rows)
