"""What every task needs, read on the worker that runs it (never at import time)."""

from __future__ import annotations

from copflow.db.uow import UnitOfWork
from copflow.services.sweep.step_calls import ServiceSteps
from copflow.settings import Settings, load_settings


def settings() -> Settings:
    return load_settings()


def uow() -> UnitOfWork:
    return UnitOfWork(settings().database_url)


def steps() -> ServiceSteps:
    """The daily sweep's steps as services, configured on this worker."""
    return ServiceSteps(settings())
