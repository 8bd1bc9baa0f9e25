"""Task that publishes the portfolio as a Prefect table artifact for OD managers."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_table_artifact

from copflow.services.portfolio import portfolio
from tasks.common import parse_now, settings, uow


@task(name="publish-portfolio", retries=1)
def publish_portfolio(now_iso: str) -> int:
    rows = portfolio(uow(), now=parse_now(now_iso), policy=settings().policy())
    create_table_artifact(key="copflow-portfolio", table=[r.as_dict() for r in rows],
                          description=f"Every CoP's stage, next gate and health at {now_iso[:10]}")
    return len(rows)
