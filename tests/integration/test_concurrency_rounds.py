"""PostgreSQL, 100 rounds: two sweeps and two advances of the same CoP at the same moment. Each round ends in
exactly one transition, no duplicate outbox key, and every loser gets a clear error or does nothing."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from copflow.db.models import Cop, Notification, TransitionRecord
from copflow.db.uow import UnitOfWork
from copflow.services.errors import ConcurrentChange
from copflow.services.gates import AdvanceResult
from copflow.services.sweep.due_work import SweepCounts, sweep_batch
from lifecycle import TransitionRefused
from tests.integration.helpers import P, advance, at, record, staff, to_planning

ROUNDS = 100


def ready_to_launch(url: str, slug: str) -> None:
    to_planning(url, slug, with_staff=False)
    record(url, slug, "sponsor_meeting_done", 11, held_on="2025-01-16", sponsor_attended="yes", notes="ok")
    record(url, slug, "charter_published", 11, version="1", purpose="p", aims=["a"], annual_targets=["1 seminar"],
           review_cadence_months=12, link="l", published_on="2025-01-16")


@pytest.mark.slow
@pytest.mark.postgres
def test_two_sweeps_and_two_advances_at_once_for_100_rounds(postgres_url, capsys):
    from tests.conftest import _truncate

    _truncate(postgres_url)
    staff(postgres_url)
    outcomes: Counter[str] = Counter()
    for k in range(ROUNDS):
        slug = f"round-{k}"
        ready_to_launch(postgres_url, slug)
        with UnitOfWork(postgres_url) as u:
            cop_id = u.session.scalar(select(Cop.id).where(Cop.slug == slug))
        barrier = threading.Barrier(4, timeout=30)
        results: list[object] = []

        def go_advance() -> None:
            barrier.wait()
            try:
                results.append(advance(postgres_url, slug, 12))
            except (ConcurrentChange, TransitionRefused) as exc:
                results.append(exc)

        def go_sweep() -> None:
            barrier.wait()
            # 6 days before the launch falls due (if the advance has won by then): a reminder is owed.
            results.append(sweep_batch(UnitOfWork(postgres_url), [cop_id], now=at(12 + 56 - 6), policy=P))

        threads = [threading.Thread(target=go_advance), threading.Thread(target=go_advance),
                   threading.Thread(target=go_sweep), threading.Thread(target=go_sweep)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert len(results) == 4, f"round {k}: a worker raised or hung: {results}"
        wins = [r for r in results if isinstance(r, AdvanceResult)]
        assert len(wins) == 1, f"round {k}: {results}"
        for r in results:
            if isinstance(r, ConcurrentChange | TransitionRefused):
                assert slug in str(r)
                outcomes[f"advance lost: {type(r).__name__}"] += 1
            elif isinstance(r, SweepCounts):
                outcomes["sweep conflicted (no-op)" if r.conflicts else
                         "sweep queued" if r.notices_queued else "sweep had nothing to do"] += 1
        with UnitOfWork(postgres_url) as u:
            moves = u.session.scalar(select(func.count()).select_from(TransitionRecord)
                                     .where(TransitionRecord.cop_id == cop_id, TransitionRecord.to_stage == "launching"))
            assert moves == 1, f"round {k}"
        # Then two sweeps race for the same reminders (launch due in 6 days, one per lead).
        second = threading.Barrier(2, timeout=30)
        counts: list[SweepCounts] = []

        def go_sweep_again() -> None:
            second.wait()
            counts.append(sweep_batch(UnitOfWork(postgres_url), [cop_id], now=at(12 + 56 - 6), policy=P))

        racers = [threading.Thread(target=go_sweep_again) for _ in range(2)]
        for t in racers:
            t.start()
        for t in racers:
            t.join(timeout=60)
        assert len(counts) == 2, f"round {k}: a sweep raised or hung"
        # Two leads, one row each, over both races: a first-race sweep that ran after the winning advance has
        # already queued them (then the second race rightly finds them there and queues nothing).
        first_race = sum(r.notices_queued for r in results if isinstance(r, SweepCounts))
        assert first_race + sum(c.notices_queued for c in counts) == 2, f"round {k}: {results} then {counts}"
        outcomes["racing sweeps: both queued part" if all(c.notices_queued for c in counts)
                 else "racing sweeps: queued before them" if first_race
                 else "racing sweeps: one queued, one found the rows there"] += 1
    with UnitOfWork(postgres_url) as u:
        keys = list(u.session.scalars(select(Notification.idempotency_key)))
    assert len(keys) == len(set(keys))
    # One reminder per lead per round, at the rung the launch's due date gives (moved to a working day: issue 29).
    assert sum(k.endswith(("ann@uni.example.org", "bob@uni.example.org")) and "/before-" in k for k in keys) == 2 * ROUNDS
    print(f"\nconcurrency: {ROUNDS} rounds, {ROUNDS} transitions, {len(keys)} outbox rows, no duplicate key; "
          f"{dict(outcomes)}")
