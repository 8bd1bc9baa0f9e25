"""Two advances of one CoP at once end in exactly one transition and one clear error."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from copflow.db.models import Notification, TransitionRecord
from copflow.db.uow import UnitOfWork
from copflow.services import gates as gate_service
from copflow.services import transitions
from copflow.services.errors import ConcurrentChange
from lifecycle import TransitionRefused
from tests.integration.helpers import advance, record, to_planning


def _race(url: str, rounds_slug: str, barrier: threading.Barrier | None) -> list[object]:
    outcomes: list[object] = []

    def go() -> None:
        try:
            outcomes.append(advance(url, rounds_slug, 11))
        except (ConcurrentChange, TransitionRefused) as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


@pytest.mark.postgres
def test_concurrent_advance_on_postgres_ends_in_one_transition(postgres_url, monkeypatch):
    from tests.conftest import _truncate

    _truncate(postgres_url)
    to_planning(postgres_url)
    record(postgres_url, "data-insight", "sponsor_meeting_done", 11, held_on="2025-01-16", sponsor_attended="yes",
           notes="ok")
    record(postgres_url, "data-insight", "charter_published", 11, version="1", purpose="p", aims=["a"],
           annual_targets=["1 seminar"], review_cadence_months=12, link="l", published_on="2025-01-16")
    # Both advances read the CoP before either writes: a real race, every time.
    barrier = threading.Barrier(2, timeout=30)
    real_decide = transitions.decide

    def decide_then_wait(*a, **kw):  # type: ignore[no-untyped-def]
        d = real_decide(*a, **kw)
        barrier.wait()
        return d

    monkeypatch.setattr(transitions, "decide", decide_then_wait)
    outcomes = _race(postgres_url, "data-insight", barrier)
    wins = [o for o in outcomes if isinstance(o, gate_service.AdvanceResult)]
    losses = [o for o in outcomes if isinstance(o, ConcurrentChange)]
    assert len(wins) == 1 and len(losses) == 1, outcomes
    assert "changed by someone else" in str(losses[0])
    with UnitOfWork(postgres_url) as u:
        moves = u.session.scalar(select(func.count()).select_from(TransitionRecord)
                                 .where(TransitionRecord.to_stage == "launching"))
        keys = list(u.session.scalars(select(Notification.idempotency_key)
                                      .where(Notification.idempotency_key.like("%/launching/%"))))
    assert moves == 1
    assert len(keys) == len(set(keys)) == 3  # the loser's notices were rolled back with it


def test_concurrent_advance_on_any_database_ends_in_one_transition(db_url):
    """Without forcing the interleaving: on SQLite the writers queue (BEGIN IMMEDIATE), on PostgreSQL they race."""
    to_planning(db_url)
    record(db_url, "data-insight", "sponsor_meeting_done", 11, held_on="2025-01-16", sponsor_attended="yes", notes="ok")
    record(db_url, "data-insight", "charter_published", 11, version="1", purpose="p", aims=["a"],
           annual_targets=["1 seminar"], review_cadence_months=12, link="l", published_on="2025-01-16")
    outcomes = _race(db_url, "data-insight", None)
    assert sum(isinstance(o, gate_service.AdvanceResult) for o in outcomes) == 1
    assert sum(isinstance(o, ConcurrentChange | TransitionRefused) for o in outcomes) == 1
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(func.count()).select_from(TransitionRecord)
                                .where(TransitionRecord.to_stage == "launching")) == 1
