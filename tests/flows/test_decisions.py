"""Decisions through Prefect: the typed gate form, the dispatcher, and a review paused for a typed decision."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateName,
)
from prefect.flow_runs import resume_flow_run
from sqlalchemy import select

from copflow.db.models import Cop, GateEvidence, TransitionRecord
from copflow.db.uow import UnitOfWork
from flows.record_gate import GateName, record_gate
from flows.review_decision import review_decision
from flows.transition_delivery import transition_delivery
from tests.integration.helpers import D, proposed, to_active


@pytest.fixture
def env(db_url, smtp, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COPFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("COPFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COPFLOW_SMTP_PORT", str(smtp.port))
    return db_url


def test_record_gate_form_records_and_advances(env, smtp):
    proposed(env)
    result = record_gate("data-insight", GateName.CORE_GROUP_FORMED,  # type: ignore[attr-defined]
                         {"domain": "Data for decisions", "formed_on": "2025-01-10"}, f"odm@{D}")
    assert result["advanced"]["to_stage"] == "planning"
    with UnitOfWork(env) as u:
        assert u.session.scalar(select(Cop.stage)) == "planning"
        assert u.session.scalar(select(GateEvidence.recorded_by)) == f"odm@{D}"


def test_record_gate_form_refusal_fails_the_run_and_writes_nothing(env):
    proposed(env)
    from lifecycle import InvalidEvidence

    with pytest.raises(InvalidEvidence, match="in the future"):
        record_gate("data-insight", GateName.CORE_GROUP_FORMED,  # type: ignore[attr-defined]
                    {"domain": "x", "formed_on": (date.today() + timedelta(days=9)).isoformat()}, f"odm@{D}")
    with UnitOfWork(env) as u:
        assert u.session.scalar(select(GateEvidence.id)) is None


def test_transition_delivery_delivers_what_the_gate_queued(env, smtp):
    to_active(env)  # queued stage notices and three invitation series
    out = transition_delivery("data-insight", stage="active", gate="launch_held")
    assert out["sent"] == len(smtp.received) > 10
    assert any("Core group check-in" in m.message["Subject"] for m in smtp.received)
    from tests.flows.test_daily_sweep import _artifact

    assert f"Delivered {out['sent']} message(s)" in _artifact("copflow-gate-data-insight").data


def _paused_run_id(timeout: float = 60.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=["review-decision"])),
                flow_run_filter=FlowRunFilter(state=FlowRunFilterState(name=FlowRunFilterStateName(any_=["Paused"]))))
            if runs:
                return runs[0].id
            time.sleep(0.5)
    raise AssertionError("the review flow never paused")


def test_review_waits_for_a_typed_decision_and_asks_again_after_a_refusal(env, smtp):
    to_active(env)
    with UnitOfWork(env) as u:
        cop = u.session.scalar(select(Cop))
        cop.stage, cop.stage_visit = "reviewing", cop.stage_visit + 1
        u.commit()
    result: dict[str, object] = {}
    worker = threading.Thread(target=lambda: result.update(review_decision("data-insight", timeout_hours=1)))
    worker.start()
    first = _paused_run_id()
    # Too-short notice: refused by the service, and the flow pauses again for a new answer.
    resume_flow_run(first, run_input={"decision": "close", "decided_by": f"odm@{D}", "reason": "aims achieved, as the review found",
                                      "closing_date": (date.today() + timedelta(days=3)).isoformat()})
    time.sleep(3)
    second = _paused_run_id()
    assert second == first
    resume_flow_run(second, run_input={"decision": "close", "decided_by": f"odm@{D}", "reason": "aims achieved, as the review found",
                                       "closing_date": (date.today() + timedelta(weeks=6)).isoformat()})
    worker.join(timeout=120)
    assert result["to_stage"] == "closing"
    with UnitOfWork(env) as u:
        last = u.session.scalars(select(TransitionRecord).order_by(TransitionRecord.id.desc())).first()
        assert (last.from_stage, last.to_stage, last.by) == ("reviewing", "closing", f"odm@{D}")
        # The decision stands on the evaluation computed with it; differing from its advice is on record.
        assert last.reason == "aims achieved, as the review found (the evaluation recommended evolve)"
    # The evaluation artifact is published again with the decision on it: what, who, when and why.
    from tests.flows.test_daily_sweep import _artifact

    report = _artifact("copflow-evaluation-data-insight").data
    assert "## Decision: close" in report and "Why: aims achieved" in report and f"odm@{D}" in report
    assert "The evaluation recommended evolve." in report
