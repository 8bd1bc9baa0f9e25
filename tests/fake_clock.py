"""An injected clock for delivery: time moves only when the code under test sleeps or the test says so."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.t = start
        self._lock = threading.Lock()
        self.slept = timedelta(0)

    def now(self) -> datetime:
        with self._lock:
            return self.t

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.advance(timedelta(seconds=seconds))
            self.slept += timedelta(seconds=seconds)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self.t += delta

    def set(self, t: datetime) -> None:
        with self._lock:
            self.t = t
