"""How copflow's flows run: in this process against Prefect's temporary API (the embedded default), or on a
Prefect server named by PREFECT_API_URL. Prefect is imported inside the functions only (it costs ~1.5 s)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


def prefect_env_defaults() -> None:
    """No internet here or at most sites: no analytics, and a patient ephemeral server start."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@contextmanager
def embedded_runs() -> Iterator[None]:
    """Flow runs in this process. With no Prefect server (the embedded default), flow-run heartbeats are
    off: nothing outlives the process to watch for them, and Prefect's heartbeat thread holds every flow run's
    end by up to a second (it sleeps in whole seconds and is joined on exit). With a server they stay on."""
    prefect_env_defaults()
    if os.environ.get("PREFECT_API_URL"):
        yield
        return
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
