"""Shared fixtures: real databases (a SQLite file and a PostgreSQL database of its own), a clean environment.

PostgreSQL comes from COPFLOW_TEST_POSTGRES_URL (an admin URL; default the local server's postgres
database). Each test session creates its own database there and drops it at the end. Where the server
cannot be reached the PostgreSQL tests are skipped on a developer's machine but FAIL under CI=true or
COPFLOW_REQUIRE_POSTGRES=1: CI must never pass by skipping PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

ADMIN_URL = os.environ.get("COPFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _postgres_required() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes") or os.environ.get("COPFLOW_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    import psycopg

    name = f"copflow_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(ADMIN_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True,
                                connect_timeout=5)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL unreachable at {ADMIN_URL}: {exc}".splitlines()[0]
        if _postgres_required():
            pytest.fail(message)
        pytest.skip(message)
    admin.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    from copflow.db.migrate import upgrade

    upgrade(url)
    yield url
    from copflow.db.engine import dispose_all

    dispose_all()
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy (alembic per test would cost seconds)."""
    from copflow.db.engine import dispose_all
    from copflow.db.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "copflow.db"
    upgrade(f"sqlite:///{path}")
    dispose_all()
    return path


def _truncate(url: str) -> None:
    from sqlalchemy import text

    from copflow.db.engine import get_engine
    from copflow.db.models import Base

    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with get_engine(url).begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A migrated, empty database: a SQLite file, then the session's PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "copflow.db"
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
        yield url
        from copflow.db.engine import get_engine

        get_engine(url).dispose()
    else:
        url = request.getfixturevalue("postgres_url")
        _truncate(url)
        yield url


@pytest.fixture
def uow_factory(db_url: str):  # type: ignore[no-untyped-def]
    from copflow.db.uow import UnitOfWork

    return lambda: UnitOfWork(db_url)


@pytest.fixture(scope="session", autouse=True)
def _cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The user's cache folder (public holidays kept by copflow/services/holiday_cache.py), one per session and
    worker, never the developer's own; subprocesses inherit it."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's own copflow settings or mail server."""
    for key in list(os.environ):
        if key.startswith("COPFLOW_") and key not in ("COPFLOW_TEST_POSTGRES_URL", "COPFLOW_REQUIRE_POSTGRES"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("COPFLOW_HOME", str(tmp_path / "home"))


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    """A real aiosmtpd server on 127.0.0.1 and its recording handler."""
    from tests.smtp_server import smtp_server

    with smtp_server() as (controller, handler):
        handler.port = controller.port
        yield handler
