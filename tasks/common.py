"""What every task needs, read on the worker that runs it (never at import time)."""

from __future__ import annotations

from datetime import UTC, datetime

from copflow.db.uow import UnitOfWork
from copflow.settings import Settings, load_settings


def settings() -> Settings:
    return load_settings()


def uow() -> UnitOfWork:
    return UnitOfWork(settings().database_url)


def parse_now(now_iso: str | None) -> datetime:
    if not now_iso:
        return datetime.now(UTC)
    value = datetime.fromisoformat(now_iso)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
