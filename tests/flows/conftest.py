"""One Prefect test harness for the whole session (it starts a temporary API server: seconds, not milliseconds)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def prefect_harness():  # type: ignore[no-untyped-def]
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture
def mail_to_smtp(db_url, smtp, monkeypatch):  # type: ignore[no-untyped-def]
    """Flows read the database and send through the test's SMTP server (both from the environment)."""
    monkeypatch.setenv("COPFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("COPFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COPFLOW_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("COPFLOW_SENDER", "CoP programme <cop@uni.example.org>")
    return smtp
