"""After a write through a page: what it queued takes the CLI's path to delivery (copflow/runs.py): sent at once
when embedded, by the deployment its events trigger with a Prefect server. A message that cannot go yet stays in
the outbox; the server's log says why."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from copflow.web.pages import web

if TYPE_CHECKING:
    from copflow.services.transitions import AdvanceResult


async def send_queued(request: Request) -> None:
    """Deliver what a write queued, the CLI's way (copflow.runs): at once when embedded, by the deployment with a
    Prefect server. A message that cannot go yet stays in the outbox; the server's log says why."""
    from copflow.runs import deliver_now

    w = web(request)
    _log_unsent(await run_in_threadpool(lambda: deliver_now(w.settings, now=w.now())))


async def after_gate(request: Request, result: AdvanceResult) -> None:
    """After a transition made through a page: its Prefect events, or its mail sent now (as the CLI does)."""
    from copflow.runs import after_gate as after

    w = web(request)
    _log_unsent(await run_in_threadpool(lambda: after(w.settings, result, now=w.now())))


def _log_unsent(problems: list[str]) -> None:
    for e in problems:
        logging.getLogger("copflow.web").warning("mail not sent yet (%s); it stays in the outbox", e)
