"""How copflow's flows run: in this process against Prefect's temporary API (the embedded default), or on a
Prefect server's workers (server mode, `Settings.server_mode`). Prefect is imported inside the functions only
(it costs ~1.5 s), and not at all on the embedded delivery path.

One path from a committed transition to people's inboxes: the transition's effects queued its messages in the
outbox, in its own transaction; copflow/services/mail/delivery.py:deliver_with_settings sends them (`deliver_queued`
here). Who calls it: a CLI command's own process right after the commit, for the rows that command queued only
(embedded); the web app's `BackgroundDeliverer` thread, woken by the commit, outside the request (embedded); or a
worker running flows/transition_delivery.py (tasks/outbox.py), which the `copflow.stage.entered` event sent here
triggers (server). `announce` is the one place copflow's events (built by
the core, lifecycle/events.py) go to Prefect.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from lifecycle.errors import CopflowError

if TYPE_CHECKING:
    from copflow.services.mail.delivery import DeliveryReport
    from copflow.services.transitions import AdvanceResult
    from copflow.settings import Settings
    from lifecycle.events import Emit


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
    from copflow.settings import prefect_server

    prefect_env_defaults()
    if prefect_server():
        yield
        return
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def deliver_queued(settings: Settings, *, now: datetime, only: Collection[int] | None, batch_size: int = 200,
                   run_for: timedelta | None = None) -> DeliveryReport:
    """Send what is due in the outbox: with `only`, just those rows (what one command queued); None, every due row
    (a deliverer's round: the web app's, the deployment's). With `run_for`, what a throttled relay leaves waits
    for the next delivery."""
    from copflow.services.mail.delivery import deliver_with_settings

    return deliver_with_settings(settings, now=now, batch_size=batch_size, run_for=run_for, only=only)


def after_transition(settings: Settings, slug: str, events: Iterable[Emit], *, now: datetime,
                     queued: Collection[int]) -> DeliveryReport | None:
    """After a command's transition commits. Server mode: its events go to Prefect, and the deployment they trigger
    delivers (None here). Embedded: the rows the command `queued` are delivered now, in this process (the report),
    never the rest of the outbox."""
    if settings.server_mode:
        announce(slug, events)
        return None
    # A throttled relay must not hold the command up: what is left goes with the next delivery.
    return deliver_queued(settings, now=now, only=queued, run_for=timedelta(minutes=1))


def after_gate(settings: Settings, result: AdvanceResult, *, now: datetime, queued: Collection[int]) -> list[str]:
    """After a CLI command committed a transition: its events and the mail it `queued` take the one path above.
    Returns what could not be sent yet (it stays in the outbox), for the caller to show."""
    report = after_transition(settings, result.slug, result.events, now=now, queued=queued)
    return list(report.errors) if report else []


def deliver_now(settings: Settings, *, now: datetime, queued: Collection[int]) -> list[str]:
    """Embedded default: send the rows a CLI command `queued` right away, in-process and without Prefect (never the
    rest of the outbox). With a Prefect server configured, the `deliver-outbox` deployment does it instead.
    Returns what could not be sent yet."""
    if settings.server_mode or not queued:
        return []
    # A throttled relay must not hold the command up: what is left goes with the next delivery.
    return list(deliver_queued(settings, now=now, only=queued, run_for=timedelta(minutes=1)).errors)


class BackgroundDeliverer:
    """The web app's deliverer (embedded mode): a thread that sends the outbox's due rows outside any request,
    through the same claims and leases as every deliverer (copflow/services/mail/claims.py). A write that queued
    mail `wake`s it on commit; it also looks every `poll_seconds`, for what was queued elsewhere or was due to be
    retried. Each round is bounded (`ROUND`), so `stop` returns within about one round."""

    ROUND = timedelta(seconds=10)
    BATCH = 50

    def __init__(self, settings: Settings, clock: Callable[[], datetime], *, poll_seconds: float = 60.0) -> None:
        self.settings, self.clock, self.poll_seconds = settings, clock, poll_seconds
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None
        self.rounds = 0  # rounds run, for tests and the log

    def start(self) -> None:
        self._stop.clear()
        self._wake.set()  # a first round at once: what was left due when the app last stopped
        self._thread = threading.Thread(target=self._run, name="copflow-deliverer", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 60.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        log = logging.getLogger("copflow.web")
        while not self._stop.is_set():
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            while not self._stop.is_set():
                try:
                    report = deliver_queued(self.settings, now=self.clock(), only=None, batch_size=self.BATCH,
                                            run_for=self.ROUND)
                except (CopflowError, SQLAlchemyError, OSError) as exc:  # the database or the disk: the next round
                    log.warning("background delivery failed (%s); the mail stays in the outbox", exc)
                    break
                finally:
                    self.rounds += 1
                for e in report.errors:
                    log.warning("mail not sent yet (%s); it stays in the outbox", e)
                if report.sent + report.posts.posted == 0 or report.errors or report.slow_downs:
                    # Nothing more went (none due, or the relay throttles, refuses or is down): wait until woken or
                    # the next look, rather than claiming and giving back the same rows in a loop.
                    break


def announce(slug: str, events: Iterable[Emit]) -> None:
    """Send the core's events about CoP `slug` to Prefect (resource `copflow.cop.<slug>`, label `copflow.slug` for
    triggers), each with the one payload shape (lifecycle.events.EventPayload)."""
    events = list(events)
    if not events:
        return
    prefect_env_defaults()
    from prefect.events import emit_event

    for e in events:
        emit_event(event=e.event.value, resource={"prefect.resource.id": f"copflow.cop.{slug}", "copflow.slug": slug},
                   payload=asdict(e.payload))


def ui_url(settings: Settings | None = None) -> str | None:
    """The Prefect UI's address in server mode (PREFECT_UI_URL, or derived by Prefect from PREFECT_API_URL); None
    for embedded runs, whose temporary server is gone by the time anyone reads what they published."""
    if settings is None:
        from copflow.settings import load_settings

        settings = load_settings()
    if settings.prefect_ui_url:
        return settings.prefect_ui_url
    if not settings.server_mode:
        return None
    from prefect.settings import get_current_settings

    return get_current_settings().ui_url
