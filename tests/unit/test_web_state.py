"""The web app's in-memory state stays bounded whatever a flood sends (issue 28, break 5): the rate limiter's clients
and the view cache's answers and locks, driven with 100,000 distinct addresses and keys on the real classes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from copflow.web.pages import ViewCache
from copflow.web.security import RateLimit

FLOOD = 100_000


async def _app(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover - never reached
    raise AssertionError


def test_the_rate_limiter_keeps_at_most_its_cap_of_clients() -> None:
    now = [0.0]
    limiter = RateLimit(_app, limit=5, window=60, max_clients=10_000, clock=lambda: now[0])
    for i in range(FLOOD):
        now[0] += 0.0001  # 100,000 addresses within 10 seconds: all of them inside one window
        assert limiter.allow(f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}")
        assert len(limiter) <= 10_000
    assert len(limiter) == 10_000


def test_the_rate_limiter_still_limits_a_client_it_keeps() -> None:
    now = [0.0]
    limiter = RateLimit(_app, limit=3, window=60, max_clients=100, clock=lambda: now[0])
    assert [limiter.allow("203.0.113.9") for _ in range(4)] == [True, True, True, False]
    for i in range(99):  # others come and go; the busy client is the most recently seen, so it stays counted
        limiter.allow(f"198.51.100.{i}")
        assert not limiter.allow("203.0.113.9")
    now[0] += 61
    assert limiter.allow("203.0.113.9")  # the window moved on


def test_the_view_cache_keeps_no_lock_for_a_key_nobody_is_reading() -> None:
    """30,000 GETs of random /e/… paths grew the server by 46 MB: a lock was kept per distinct path, and an unknown
    token's lookup (which raises) never stored an answer that would have cleared it."""
    cache = ViewCache(2.0, max_items=10_000)

    async def unknown() -> Any:
        raise LookupError("no such link")

    async def known() -> Any:
        return "a page"

    async def flood() -> None:
        for i in range(FLOOD):
            with pytest.raises(LookupError):
                await cache.get(("grant", f"/e/{i:032d}"), unknown)
            assert await cache.get(("form", f"/c/{i:032d}"), known) == "a page"
            answers, locks = cache.sizes()
            assert answers <= 10_000 and locks == 0

    asyncio.run(flood())


def test_the_view_cache_reads_a_page_once_while_others_wait_for_it() -> None:
    cache = ViewCache(2.0)
    reads = 0
    gate = asyncio.Event()

    async def slow() -> Any:
        nonlocal reads
        reads += 1
        await gate.wait()
        return reads

    async def many() -> list[Any]:
        waiting = [asyncio.ensure_future(cache.get("hub", slow)) for _ in range(50)]
        await asyncio.sleep(0)
        assert cache.sizes()[1] == 1  # one lock, held by the first, waited for by the rest
        gate.set()
        return list(await asyncio.gather(*waiting))

    assert asyncio.run(many()) == [1] * 50 and reads == 1
    assert cache.sizes() == (1, 0)
