"""Publish the portfolio artifact, a table of every CoP (weekly, and on demand from the Prefect UI)."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, get_run_logger

from tasks.portfolio import publish_portfolio


def _run_name() -> str:
    return f"portfolio-report {datetime.now(UTC):%Y-%m-%d}"


@flow(name="portfolio-report", flow_run_name=_run_name, log_prints=True)
def portfolio_report() -> int:
    count = publish_portfolio(datetime.now(UTC))
    get_run_logger().info("portfolio artifact 'copflow-portfolio' updated with %d CoPs", count)
    return count


if __name__ == "__main__":
    portfolio_report()
