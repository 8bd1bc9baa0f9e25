"""Publish the portfolio table artifact (weekly, and on demand from the Prefect UI)."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow

from tasks.portfolio import publish_portfolio


@flow(name="portfolio-report", log_prints=True)
def portfolio_report() -> int:
    count = publish_portfolio(datetime.now(UTC))
    print(f"portfolio artifact 'copflow-portfolio' updated with {count} CoPs")
    return count


if __name__ == "__main__":
    portfolio_report()
