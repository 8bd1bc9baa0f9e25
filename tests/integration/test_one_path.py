"""Every kind of stage change goes through the one transition path (copflow/services/transitions.py): a gate
(CLI, web, Prefect form), a review opened by the sweep, a review decided, renew, split, merge, archive. Each test
reads what the path returned, the transition rows, the events (one payload shape for all) and the mail queued."""

from __future__ import annotations

from dataclasses import asdict, fields, replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from copflow.db.models import Cop, Document, GateEvidence, Notification, TransitionRecord
from copflow.db.uow import UnitOfWork
from copflow.services import gates, transitions
from copflow.services.archiving import close_cop
from copflow.services.people.roster import end_membership
from copflow.services.reviews.decide import decide_review
from copflow.services.reviews.evolve import Child, merge, split
from copflow.services.sweep.due_work import sweep_batch
from copflow.services.transitions import AdvanceResult
from lifecycle import Event, EventPayload
from tests.acting import OD
from tests.integration.helpers import D, P, at, proposed, record, to_active, to_planning

REVIEW_DAY = 420  # 2026-03-02, the charter's review date
OD_TEAM = "od.team@uni.example.org"  # COPFLOW_OD_MANAGER_EMAIL: the organisation's OD manager


@pytest.fixture
def moves(monkeypatch: pytest.MonkeyPatch) -> list[AdvanceResult]:
    """What the one path returned, each time it was taken (the real path, recorded on its way out)."""
    seen: list[AdvanceResult] = []
    real = transitions.Moving.move

    def recorded(self, change):  # type: ignore[no-untyped-def]
        result = real(self, change)
        seen.append(result)
        return result

    monkeypatch.setattr(transitions.Moving, "move", recorded)
    return seen


def rows(url: str, slug: str) -> list[tuple[str, str, str, str]]:
    with UnitOfWork(url) as u:
        return [(t.from_stage, t.to_stage, t.trigger, t.by) for t in u.session.scalars(
            select(TransitionRecord).join(Cop, Cop.id == TransitionRecord.cop_id).where(Cop.slug == slug)
            .order_by(TransitionRecord.id))]


def mail(url: str, kind: str, after: int = 0) -> set[str]:
    with UnitOfWork(url) as u:
        return set(u.session.scalars(select(Notification.recipient).where(Notification.kind == kind,
                                                                          Notification.id > after)))


def last_mail_id(url: str) -> int:
    with UnitOfWork(url) as u:
        return u.session.scalar(select(func.max(Notification.id))) or 0


def events(result: AdvanceResult) -> list[tuple[Event, dict[str, str]]]:
    """The events, each checked to carry the one payload shape (the same keys, all text)."""
    keys = [f.name for f in fields(EventPayload)]
    for e in result.events:
        assert type(e.payload) is EventPayload and list(asdict(e.payload)) == keys
        assert all(isinstance(v, str) for v in asdict(e.payload).values())
    return [(e.event, asdict(e.payload)) for e in result.events]


def under_review(url: str, slug: str = "data-insight", *, with_staff: bool = True) -> None:
    to_active(url, slug, with_staff=with_staff)
    with UnitOfWork(url) as u:
        cop_id = u.session.scalar(select(Cop.id).where(Cop.slug == slug))
    sweep_batch(UnitOfWork(url), [cop_id], now=at(REVIEW_DAY), policy=P)


LEADS_AND_SPONSOR = {f"ann@{D}", f"bob@{D}", f"dir@{D}"}


@pytest.mark.parametrize("door", ["cli", "web", "form"])
def test_a_gate_from_the_cli_the_web_or_the_prefect_form(db_url, moves, door):
    from copflow.services.links.signed import Grant
    from copflow.web.views.lead_pages import submit_evidence

    proposed(db_url)
    evidence = {"domain": "Data and insight", "formed_on": "2025-01-15"}
    if door == "cli":
        record(db_url, "data-insight", "core_group_formed", 10, **evidence)  # the path's Core-only helper
        result = gates.advance(UnitOfWork(db_url), slug="data-insight", by=f"odm@{D}", now=at(10), policy=P)
    elif door == "web":
        grant = Grant(0, f"ann@{D}", "evidence", "data-insight", "core_group_formed", 1, at(40))
        done = submit_evidence(UnitOfWork(db_url), grant, None, evidence, now=at(10), policy=P,
                               od_manager=OD_TEAM)
        assert done.result is not None
        result = done.result
    else:
        result = gates.record_gate(UnitOfWork(db_url), slug="data-insight", gate="core_group_formed",
                                   payload=evidence, by=f"odm@{D}", now=at(10), policy=P)
    assert moves == [result] and (result.from_stage, result.to_stage) == ("forming", "planning")
    by = f"ann@{D} (via web)" if door == "web" else f"odm@{D}"
    assert rows(db_url, "data-insight") == [("forming", "planning", "advance", by)]
    assert events(result) == [
        (Event.GATE_PASSED, {"stage": "planning", "from_stage": "forming", "trigger": "advance",
                             "gate": "core_group_formed", "decision": ""}),
        (Event.STAGE_ENTERED, {"stage": "planning", "from_stage": "forming", "trigger": "advance", "gate": "",
                               "decision": ""})]
    assert mail(db_url, "stage_changed") == LEADS_AND_SPONSOR


def test_a_form_whose_gates_are_not_all_met_keeps_its_evidence_and_says_what_is_missing(db_url, moves):
    to_planning(db_url)
    kept = gates.record_gate(UnitOfWork(db_url), slug="data-insight", gate="sponsor_meeting_done",
                             payload={"held_on": "2025-02-04", "sponsor_attended": "yes", "notes": "agreed"},
                             by=f"odm@{D}", now=at(30), policy=P)
    assert not kept.moved and kept.events == () and kept.to_stage == "planning"
    assert [u.code for u in kept.unmet] == ["charter_published.missing"]
    assert kept.recorded == {"held_on": "2025-02-04", "sponsor_attended": True, "notes": "agreed"}
    assert rows(db_url, "data-insight")[-1][:2] == ("forming", "planning")  # no new transition


def test_a_review_opened_by_the_sweep(db_url, moves):
    to_active(db_url)
    moves.clear()
    before = last_mail_id(db_url)
    surveyed = replace(P, survey_url="https://forms.example.org/{slug}")  # the call goes out with a survey to answer
    counts = sweep_batch(UnitOfWork(db_url), [1], now=at(REVIEW_DAY), policy=surveyed)
    [opened] = counts.transitions
    assert moves == [opened] and (opened.from_stage, opened.to_stage, opened.trigger) == \
        ("active", "reviewing", "open_review")
    assert rows(db_url, "data-insight")[-1] == ("active", "reviewing", "open_review", "copflow sweep")
    with UnitOfWork(db_url) as u:  # its evidence went in through the path, checked like any other
        due = u.session.scalars(select(GateEvidence).where(GateEvidence.gate == "review_due")).one()
        assert (due.payload, due.recorded_by) == ({"due_on": "2026-03-02"}, "copflow sweep")
    assert [e for e, _ in events(opened)] == [Event.GATE_PASSED, Event.REVIEW_OPENED, Event.STAGE_ENTERED]
    # Every member is called to the survey; for leads and sponsor that one message says the stage changed too.
    assert mail(db_url, "review_opened", before) == {f"ann@{D}", f"bob@{D}", f"cat@{D}", f"dir@{D}"}
    assert mail(db_url, "stage_changed", before) == set()


@pytest.mark.parametrize(("decision", "kind", "to"), [("pass", None, "active"), ("evolve", "renew", "planning")])
def test_a_review_decided_and_a_renewal(db_url, moves, tmp_path, decision, kind, to):
    under_review(db_url)
    moves.clear()
    before = last_mail_id(db_url)
    r = decide_review(UnitOfWork(db_url), slug="data-insight", decision=decision, kind=kind, decided_by=f"odm@{D}",
                      reason="on track, as the review found", now=at(REVIEW_DAY + 5), policy=P, reports_dir=tmp_path, od_manager=OD_TEAM)
    assert moves == [r] and (r.from_stage, r.to_stage, r.trigger) == ("reviewing", to, decision)
    assert rows(db_url, "data-insight")[-1][:3] == ("reviewing", to, decision)
    decided = [p for e, p in events(r) if e is Event.REVIEW_DECIDED]
    assert decided == [{"stage": to, "from_stage": "reviewing", "trigger": decision, "gate": "", "decision": decision}]
    assert mail(db_url, "stage_changed", before) == LEADS_AND_SPONSOR
    with UnitOfWork(db_url) as u:  # the evaluation, published by the core's effect, belongs to the review decided
        visits = list(u.session.scalars(select(Document.stage_visit).where(Document.kind == "evaluation")))
    assert visits == [5] and any(tmp_path.rglob("*.html"))  # report files once committed


def test_a_split(db_url, moves):
    under_review(db_url)
    moves.clear()
    before = last_mail_id(db_url)
    r = split(UnitOfWork(db_url), slug="data-insight", decided_by=f"odm@{D}", reason="two practices, as the review found",
              now=at(REVIEW_DAY + 2), policy=P, od_manager=OD_TEAM,
              children=[Child("data-viz", "Data Visualisation", (f"bob@{D}", f"cat@{D}"))])
    assert moves == [r] and (r.from_stage, r.to_stage) == ("reviewing", "planning")
    assert rows(db_url, "data-insight")[-1] == ("reviewing", "planning", "evolve", f"odm@{D}")
    assert rows(db_url, "data-viz") == [("", "forming", "split-from:data-insight", f"odm@{D}")]
    assert [e for e, _ in events(r)] == [Event.GATE_PASSED, Event.REVIEW_DECIDED, Event.STAGE_ENTERED]
    assert mail(db_url, "stage_changed", before) == LEADS_AND_SPONSOR


def test_a_merge(db_url, moves):
    under_review(db_url)
    to_active(db_url, "analytics", with_staff=False)
    moves.clear()
    before = last_mail_id(db_url)
    r = merge(UnitOfWork(db_url), slug="data-insight", into="analytics", decided_by=f"odm@{D}",
              reason="same practice, as the review found", now=at(REVIEW_DAY + 2), policy=P, od_manager=OD_TEAM)
    assert moves == [r] and (r.from_stage, r.to_stage) == ("reviewing", "closing")
    assert rows(db_url, "data-insight")[-1][:3] == ("reviewing", "closing", "close")
    assert rows(db_url, "analytics")[-1] == ("active", "active", "merged-from:data-insight", f"odm@{D}")
    assert [e for e, _ in events(r)] == [Event.GATE_PASSED, Event.REVIEW_DECIDED, Event.STAGE_ENTERED]
    assert mail(db_url, "closing_notice", before) == {f"ann@{D}", f"bob@{D}", f"cat@{D}", f"dir@{D}", f"odm@{D}"}


def test_archived_and_closed(db_url, moves, tmp_path):
    under_review(db_url)
    decide_review(UnitOfWork(db_url), slug="data-insight", decision="close", decided_by=f"odm@{D}",
                  reason="aims met, as the review found", now=at(REVIEW_DAY + 1), policy=P,
                  closing_date=at(REVIEW_DAY + 1).date() + timedelta(weeks=5))
    moves.clear()
    before = last_mail_id(db_url)
    closed = close_cop(UnitOfWork(db_url), slug="data-insight", now=at(REVIEW_DAY + 36), policy=P,
                       archive_dir=tmp_path, od_manager=OD_TEAM)
    [r] = moves
    assert closed.events == r.events and (r.from_stage, r.to_stage, r.trigger) == ("closing", "closed", "archive")
    assert rows(db_url, "data-insight")[-1] == ("closing", "closed", "archive", "copflow archive")
    assert [e for e, _ in events(r)] == [Event.GATE_PASSED, Event.COP_CLOSED, Event.STAGE_ENTERED]
    assert mail(db_url, "closure_completed", before) == {*LEADS_AND_SPONSOR, f"odm@{D}"}


@pytest.mark.parametrize("how", ["decided", "merged"])
def test_a_cop_with_no_od_manager_contact_that_closes_tells_the_organisations_od_manager(db_url, how):
    """Before the one path, deciding "close" (and merging) dropped the OD-manager fallback: nobody at the OD team
    heard that a CoP with no OD-manager contact was closing."""
    under_review(db_url)
    end_membership(UnitOfWork(db_url), slug="data-insight", email=f"odm@{D}", now=at(REVIEW_DAY), policy=P,
                   acting=OD)
    if how == "decided":
        decide_review(UnitOfWork(db_url), slug="data-insight", decision="close", decided_by=f"odm@{D}",
                      reason="aims met, as the review found", now=at(REVIEW_DAY + 1), policy=P, od_manager=OD_TEAM,
                      closing_date=at(REVIEW_DAY + 1).date() + timedelta(weeks=5))
    else:
        to_active(db_url, "analytics", with_staff=False)
        merge(UnitOfWork(db_url), slug="data-insight", into="analytics", decided_by=f"odm@{D}", reason="same, as the review found",
              now=at(REVIEW_DAY + 1), policy=P, od_manager=OD_TEAM)
    assert OD_TEAM in mail(db_url, "closing_notice") and f"odm@{D}" not in mail(db_url, "closing_notice")


@pytest.mark.postgres
def test_a_web_form_that_loses_a_race_writes_nothing(postgres_url, monkeypatch):
    """Before, the form's evidence was committed on its own and the advance then lost the race: the page said
    "nothing was written" while the evidence stayed. Now both are one transaction, and the page tells the truth."""
    from sqlalchemy import update

    from copflow.db.engine import get_engine
    from copflow.services.errors import ConcurrentChange
    from copflow.services.links.signed import Grant
    from copflow.web.views.lead_pages import submit_evidence
    from tests.conftest import _truncate

    _truncate(postgres_url)
    proposed(postgres_url)
    real = transitions.decide

    def someone_else_writes_first(*a, **kw):  # type: ignore[no-untyped-def]
        with get_engine(postgres_url).begin() as other:  # another writer, committed meanwhile
            other.execute(update(Cop).where(Cop.slug == "data-insight").values(version=Cop.version + 1))
        return real(*a, **kw)

    monkeypatch.setattr(transitions, "decide", someone_else_writes_first)
    grant = Grant(0, f"ann@{D}", "evidence", "data-insight", "core_group_formed", 1, at(40))
    with pytest.raises(ConcurrentChange) as lost:
        submit_evidence(UnitOfWork(postgres_url), grant, None,
                        {"domain": "Data and insight", "formed_on": "2025-01-15"}, now=at(10), policy=P,
                        od_manager=None)
    assert lost.value.words().startswith("Data and Insight was changed by someone else")
    with UnitOfWork(postgres_url) as u:
        assert u.session.scalar(select(func.count()).select_from(GateEvidence)) == 0
        assert u.session.scalar(select(Cop.stage)) == "forming"
