"""A fault-injecting SMTP server on aiosmtpd, 127.0.0.1: it refuses, stalls and breaks on command.

- `greet_421`: the next N connections (set it after `up()`: the controller's start-up probe connects too) get "421 4.3.2 service not available" and are closed;
- `temp_fail`: recipient → how many times to answer 451 before accepting;
- `perm_fail`: recipient → a 550 reply, always;
- `cut_every`: close the connection (no reply) when the N-th message of a connection arrives, before keeping it;
- `cut_after_keep_every`: keep the N-th message of a connection, then close the connection before the 250
  reaches the client (the one fault SMTP cannot tell apart from a loss: the client must send it again);
- `busy_every`: answer the N-th recipient of the server's life "451 4.7.500 Server busy" (Exchange Online's
  throttling reply);
- `rate_per_minute`: a throttled relay: a token bucket (`burst` messages deep) refilled at this rate; a message
  over it is answered "451 4.7.500 Server busy, try again later";
- `down()` / `up()`: stop listening for a while (connections refused), then listen again on the same port.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from tests.smtp_server import free_port

HEADERS = BytesHeaderParser()


@dataclass
class Faults:
    greet_421: int = 0
    temp_fail: dict[str, int] = field(default_factory=dict)
    perm_fail: dict[str, str] = field(default_factory=dict)
    cut_every: int = 0
    cut_after_keep_every: int = 0
    busy_every: int = 0
    rate_per_minute: float = 0.0
    burst: float = 5.0
    received: Counter[str] = field(default_factory=Counter)  # X-Copflow-Key → times received
    message_ids: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # key → Message-IDs seen
    events: Counter[str] = field(default_factory=Counter)
    _rcpts: int = 0
    _tokens: float = -1.0
    _refilled: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def over_rate(self) -> bool:
        """Take a token from the bucket; True if there was none (the sender is going too fast)."""
        if not self.rate_per_minute:
            return False
        with self._lock:
            now = time.monotonic()
            if self._tokens < 0:
                self._tokens, self._refilled = self.burst, now
            self._tokens = min(self.burst, self._tokens + (now - self._refilled) * self.rate_per_minute / 60)
            self._refilled = now
            if self._tokens < 1:
                return True
            self._tokens -= 1
            return False


class FaultySMTP(SMTP):
    faults: Faults

    async def _handle_client(self) -> None:
        if self.faults.greet_421 > 0:
            self.faults.greet_421 -= 1
            self.faults.events["421 on connect"] += 1
            await self.push("421 4.3.2 Service not available, closing transmission channel")
            self.transport.close()  # type: ignore[union-attr]
            return
        self._per_connection = 0
        await super()._handle_client()


class FaultHandler:
    def __init__(self, faults: Faults) -> None:
        self.faults = faults

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        f = self.faults
        addr = address.lower()
        if addr in f.perm_fail:
            f.events["550"] += 1
            return f.perm_fail[addr]
        if f.temp_fail.get(addr, 0) > 0:
            f.temp_fail[addr] -= 1
            f.events["451"] += 1
            return "451 4.3.0 Mailbox temporarily unavailable"
        f._rcpts += 1
        if f.busy_every and f._rcpts % f.busy_every == 0:
            f.events["451 4.7.500 busy"] += 1
            return "451 4.7.500 Server busy. Please try again later"
        if f.over_rate():
            f.events["451 4.7.500 over the rate"] += 1
            return "451 4.7.500 Server busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str | None:
        f = self.faults
        server._per_connection = getattr(server, "_per_connection", 0) + 1
        if f.cut_every and server._per_connection % f.cut_every == 0:
            f.events["cut mid-batch"] += 1
            server.transport.close()
            return None
        # The header block only, parsed as is (compat32): the benchmark's relay takes hundreds a second.
        raw = envelope.original_content or envelope.content
        msg = HEADERS.parsebytes(raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n")
        key = str(msg["X-Copflow-Key"])
        f.received[key] += 1
        f.message_ids[key].add(str(msg["Message-ID"]))
        if f.cut_after_keep_every and server._per_connection % f.cut_after_keep_every == 0:
            f.events["cut after keeping"] += 1
            server.transport.close()  # kept, but the client never hears the 250
            return None
        return "250 Message accepted"


class FaultyServer:
    def __init__(self) -> None:
        self.faults = Faults()
        self.port = free_port()
        self._controller: Controller | None = None

    def up(self) -> None:
        faults = self.faults

        class Bound(FaultySMTP):
            pass

        Bound.faults = faults
        self._controller = _Controller(FaultHandler(faults), hostname="127.0.0.1", port=self.port, smtp_class=Bound)
        self._controller.start()

    def down(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
            self.faults.events["server down"] += 1


class _Controller(Controller):
    def __init__(self, handler: Any, *, smtp_class: type[SMTP], **kw: Any) -> None:
        super().__init__(handler, **kw)
        self._smtp_class = smtp_class

    def factory(self) -> SMTP:
        return self._smtp_class(self.handler, **self.SMTP_kwargs)
