"""The sweep's services: indexed selection of what is due, reminders once per rung, reviews opened on time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from copflow.db.models import Cop, Notification, TransitionRecord
from copflow.db.uow import UnitOfWork
from copflow.services.sweep.due_work import SWEEP_ACTOR, SweepCounts, due_cop_batches, sweep_batch
from tests.integration.helpers import D, P, at, to_active, to_planning


def sweep(url: str, day: int, od_manager: str | None = None):  # type: ignore[no-untyped-def]
    total = SweepCounts()
    for batch in due_cop_batches(UnitOfWork(url), now=at(day), policy=P, batch_size=2):
        c = sweep_batch(UnitOfWork(url), batch, now=at(day), policy=P, od_manager=od_manager)
        total = total.add(c)
    return total


def reminders(url: str) -> list[tuple[str, str]]:
    with UnitOfWork(url) as u:
        return [(n.recipient, n.idempotency_key.split("/")[3]) for n in u.session.scalars(
            select(Notification).where(Notification.kind == "gate_reminder").order_by(Notification.id))]


def test_selection_reads_only_what_is_due(db_url):
    to_planning(db_url)  # sponsor meeting due day 10 + 42 = day 52
    assert due_cop_batches(UnitOfWork(db_url), now=at(52 - 31), policy=P) == []
    [[cop_id]] = due_cop_batches(UnitOfWork(db_url), now=at(52 - 30), policy=P)
    assert cop_id == 1


def test_reminder_goes_to_each_lead_once_however_often_the_sweep_runs(db_url):
    to_planning(db_url)
    first = sweep(db_url, 52 - 14)
    again = sweep(db_url, 52 - 14)
    assert first.notices_queued == 2 and again.notices_queued == 0
    assert sorted(reminders(db_url)) == [(f"ann@{D}", "before-14"), (f"bob@{D}", "before-14")]
    with UnitOfWork(db_url) as u:
        n = u.session.scalars(select(Notification).where(Notification.kind == "gate_reminder")).first()
        assert n.subject == "Reminder: the sponsor meeting of Data and Insight is due on Thursday 27 February 2025"
        assert "in 14 days" in n.body_text and "The date of the meeting with your sponsor (for example:" in n.body_text
        # Its one action is the lead's own evidence-form link (issue 16), in issue 14's words.
        assert "Record it now" in n.body_text and "/e/" in n.body_text and "copflow gate" not in n.body_text
        assert '<span style="white-space: nowrap">Thursday 27 February 2025</span>' in n.body_html


def test_escalation_ladder_reaches_sponsor_then_the_od_managers_digest(db_url):
    to_planning(db_url)
    seen = {day: sweep(db_url, day) for day in (52 + 1, 52 + 7, 52 + 14, 52 + 21)}
    steps = reminders(db_url)
    assert (f"ann@{D}", "overdue-1") in steps and (f"bob@{D}", "overdue-1") in steps
    assert (f"dir@{D}", "overdue-7") in steps
    # From +14 days the OD manager reads it in the sweep's one digest, not a mail per gate.
    assert not [r for r in steps if r[0] == f"odm@{D}"]
    late = [(e["gate"], e["audience"], e["days"]) for e in seen[52 + 21].attention]
    assert late == [("sponsor_meeting_done", "od_manager", 21)]
    [entry] = seen[52 + 14].attention
    assert entry["leads"] == ["Ann Lee", "Bob Kay"] and entry["sponsors"] == ["Dee Ray"]
    assert [e["audience"] for e in seen[52 + 7].attention] == ["sponsor"]
    # The digest's entry says whom the ladder reached, and when.
    assert (entry["leads_told_on"], entry["sponsor_told_on"]) == (at(52 + 1).date().isoformat(),
                                                                  at(52 + 7).date().isoformat())


def test_a_gate_first_found_68_days_late_tells_the_leads_and_the_sponsor_in_that_sweep(db_url):
    """Research IT as it was found: the first sweep since the due date (a paused sweep, an import) used to send
    only the OD manager's rung, and the digest said "Leads not reminded; sponsor not yet told" for ever."""
    to_planning(db_url)
    day = 52 + 68
    [entry] = [e for e in sweep(db_url, day).attention if e["gate"] == "sponsor_meeting_done"]
    assert (entry["audience"], entry["days"]) == ("od_manager", 68)  # one digest entry, at the highest rung
    assert (entry["leads_told_on"], entry["sponsor_told_on"]) == (at(day).date().isoformat(),) * 2
    with UnitOfWork(db_url) as u:
        told = sorted((n.recipient, n.idempotency_key.split("/")[3]) for n in u.session.scalars(
            select(Notification).where(Notification.kind == "gate_reminder",
                                       Notification.idempotency_key.contains("sponsor_meeting_done"))))
    assert told == [(f"ann@{D}", "overdue-1"), (f"bob@{D}", "overdue-1"), (f"dir@{D}", "overdue-7")]
    # The next sweeps send none of them again; the sponsor is not told twice of rung 7.
    sweep(db_url, day + 1)
    sweep(db_url, day + 7)
    with UnitOfWork(db_url) as u:
        again = u.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "gate_reminder", Notification.idempotency_key.contains("sponsor_meeting_done")))
    assert again == 3


def test_sponsors_are_told_what_is_late_who_leads_and_what_they_can_do(db_url):
    to_planning(db_url)
    sweep(db_url, 52 + 7)
    with UnitOfWork(db_url) as u:
        [n] = u.session.scalars(select(Notification).where(Notification.recipient == f"dir@{D}",
                                                          Notification.kind == "gate_reminder"))
    assert n.subject == "Data and Insight is 7 days late with the sponsor meeting"
    assert "Its leads, Ann Lee and Bob Kay, have been reminded." in n.body_text
    assert "What you can do:" in n.body_text


def test_nobody_but_the_od_manager_is_reminded_of_the_review_decision(db_url):
    to_active(db_url)  # charter review date 2026-03-02
    review_day = (at(0).date().replace(year=2026, month=3, day=2) - at(0).date()).days
    assert sweep(db_url, review_day).reviews_opened == 1
    for day in range(review_day + 1, review_day + 6 * 7 + 30, 7):
        sweep(db_url, day)
    with UnitOfWork(db_url) as u:
        keys = [n.idempotency_key for n in u.session.scalars(select(Notification)
                                                             .where(Notification.kind == "gate_reminder"))]
    assert not [k for k in keys if "/review_passed/" in k]


def test_a_due_review_is_opened_by_the_sweep(db_url):
    to_active(db_url)  # charter review date 2026-03-02
    review_day = (at(0).date().replace(year=2026, month=3, day=2) - at(0).date()).days
    assert sweep(db_url, review_day - 1).reviews_opened == 0
    counts = sweep(db_url, review_day)
    assert counts.reviews_opened == 1
    with UnitOfWork(db_url) as u:
        cop = u.session.scalar(select(Cop))
        last = u.session.scalars(select(TransitionRecord).order_by(TransitionRecord.id.desc())).first()
        assert cop.stage == "reviewing" and cop.next_due_gate == "review_passed"
        assert cop.next_due_on == at(review_day).date() + timedelta(weeks=6)
        assert (last.from_stage, last.to_stage, last.by) == ("active", "reviewing", SWEEP_ACTOR)
    assert sweep(db_url, review_day).reviews_opened == 0  # idempotent
