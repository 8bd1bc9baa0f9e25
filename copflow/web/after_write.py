"""After a write through a page: the request answers as soon as its transaction has committed, and what it queued
is sent outside it. Embedded, the app's deliverer (copflow/runs.py:BackgroundDeliverer, started with the app) is
woken; with a Prefect server, a transition's events go to Prefect and the deployment they trigger delivers (the
`deliver-outbox` deployment sends the rest). A message that cannot go yet stays in the outbox; the log says why."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from copflow.web.pages import web

if TYPE_CHECKING:
    from copflow.services.transitions import AdvanceResult
    from lifecycle.events import Emit


async def send_queued(request: Request) -> None:
    """A write queued mail: the deliverer sends it, outside this request (embedded); with a Prefect server, the
    `deliver-outbox` deployment does."""
    w = web(request)
    if w.deliverer is not None:
        w.deliverer.wake()


async def after_transition(request: Request, slug: str, events: Iterable[Emit]) -> None:
    """After a transition made through a page: its events to Prefect (server mode: the deployment they trigger
    delivers), or the deliverer woken (embedded)."""
    from copflow.runs import announce

    w = web(request)
    if w.settings.server_mode:
        chosen = list(events)
        await run_in_threadpool(lambda: announce(slug, chosen))
    elif w.deliverer is not None:
        w.deliverer.wake()


async def after_gate(request: Request, result: AdvanceResult) -> None:
    await after_transition(request, result.slug, result.events)
