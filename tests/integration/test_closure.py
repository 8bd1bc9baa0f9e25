"""Evolve and close, on SQLite and PostgreSQL: lineage, moved members, cancelled series, verified archives."""

from __future__ import annotations

import base64
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from copflow.db.models import (
    SCHEMA_VERSION,
    Cop,
    Document,
    GateEvidence,
    MeetingSeries,
    Membership,
    Notification,
    TransitionRecord,
)
from copflow.db.uow import UnitOfWork
from copflow.services.archiving import close_cop
from copflow.services.closing.contents import pseudonym
from copflow.services.closing.lessons import save_lessons
from copflow.services.errors import CopClosed, InvalidInput
from copflow.services.people import members
from copflow.services.reviews.decide import decide_review
from copflow.services.reviews.evolve import Child, merge, split
from copflow.services.sweep.due_work import sweep_batch
from lifecycle import TransitionRefused
from notifications.archive import ArchiveError, safe_target, verify_archive
from notifications.documents import docx_text
from notifications.vocabulary import long_date
from tests.acting import OD
from tests.integration.helpers import D, P, at, record, to_active
from tests.interop.icaljs import read_with_icaljs

REVIEW_DAY = 420  # 2026-03-02, the charter's review date


def under_review(url: str, slug: str = "data-insight", *, with_staff: bool = True) -> int:
    to_active(url, slug, with_staff=with_staff)
    with UnitOfWork(url) as u:
        cop_id = u.session.scalar(select(Cop.id).where(Cop.slug == slug))
    sweep_batch(UnitOfWork(url), [cop_id], now=at(REVIEW_DAY), policy=P)
    return cop_id


def closing(url: str, weeks: int = 5) -> None:
    under_review(url)
    decide_review(UnitOfWork(url), slug="data-insight", decision="close", decided_by=f"odm@{D}",
                  reason="it achieved its aims", now=at(REVIEW_DAY + 1), policy=P,
                  closing_date=at(REVIEW_DAY + 1).date() + timedelta(weeks=weeks))


CLOSING_DAY = REVIEW_DAY + 1 + 35


def test_split_creates_children_with_lineage_and_chosen_members(db_url):
    under_review(db_url)
    r = split(UnitOfWork(db_url), slug="data-insight", decided_by=f"odm@{D}", reason="two distinct practices, as the review found",
              now=at(REVIEW_DAY + 2), policy=P,
              children=[Child("data-engineering", "Data Engineering", (f"ann@{D}", f"cat@{D}")),
                        Child("data-viz", "Data Visualisation", (f"bob@{D}",))])
    assert (r.from_stage, r.to_stage) == ("reviewing", "planning")
    with UnitOfWork(db_url) as u:
        parent = u.session.scalar(select(Cop).where(Cop.slug == "data-insight"))
        kids = {c.slug: c for c in u.session.scalars(select(Cop).where(Cop.parent_id == parent.id))}
        assert set(kids) == {"data-engineering", "data-viz"}
        assert all(k.stage == "forming" for k in kids.values())
        roles = {(m.person.email, m.role) for m in kids["data-engineering"].memberships}
        assert roles == {(f"ann@{D}", "coordinator"), (f"cat@{D}", "core")}
        audit = u.session.scalar(select(TransitionRecord).where(TransitionRecord.cop_id == kids["data-viz"].id))
        assert audit.trigger == "split-from:data-insight" and audit.reason == "two distinct practices, as the review found"
        ev = u.session.scalars(select(GateEvidence).where(GateEvidence.gate == "evolve_decided")).one()
        assert ev.payload["kind"] == "split"


def test_split_refuses_strangers_and_writes_nothing(db_url):
    under_review(db_url)
    # The core's rule (a split is made of the CoP's members), so `gate record` + `advance` keep it too.
    with pytest.raises(TransitionRefused, match=r"zed@x\.org not a member of data-insight"):
        split(UnitOfWork(db_url), slug="data-insight", decided_by=f"odm@{D}", reason="x, as the review found", now=at(REVIEW_DAY + 2),
              policy=P, children=[Child("ok-child", "OK", (f"ann@{D}",)), Child("bad", "Bad", ("zed@x.org",))])
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(Cop.stage).where(Cop.slug == "data-insight")) == "reviewing"
        assert u.session.scalar(select(Cop.id).where(Cop.slug == "ok-child")) is None


def test_merge_moves_members_and_series_and_closes_pointing_at_the_target(db_url):
    under_review(db_url)
    members.add_person(UnitOfWork(db_url), email=f"eve@{D}", name="Eve", now=at(0))
    to_active(db_url, "analytics", with_staff=False)
    members.add_member(UnitOfWork(db_url), slug="analytics", email=f"eve@{D}", role="core", now=at(REVIEW_DAY),
                      policy=P, acting=OD)
    with UnitOfWork(db_url) as u:
        uids = set(u.session.scalars(select(MeetingSeries.uid).join(Cop).where(Cop.slug == "data-insight",
                                                                                MeetingSeries.status == "scheduled")))
    r = merge(UnitOfWork(db_url), slug="data-insight", into="analytics", decided_by=f"odm@{D}",
              reason="same practice, as the review found", now=at(REVIEW_DAY + 2), policy=P)
    assert r.to_stage == "closing"
    with UnitOfWork(db_url) as u:
        source = u.session.scalar(select(Cop).where(Cop.slug == "data-insight"))
        target = u.session.scalar(select(Cop).where(Cop.slug == "analytics"))
        assert source.merged_into_id == target.id
        moved = set(u.session.scalars(select(MeetingSeries.uid).where(MeetingSeries.cop_id == target.id)))
        assert uids <= moved  # same UIDs: calendars keep the meetings
        assert u.session.scalar(select(MeetingSeries.id).where(MeetingSeries.cop_id == source.id,
                                                               MeetingSeries.status == "scheduled")) is None
        assert {m.person.email for m in target.memberships} >= {f"ann@{D}", f"bob@{D}", f"cat@{D}"}
        trail = u.session.scalar(select(TransitionRecord).where(TransitionRecord.cop_id == target.id,
                                                                TransitionRecord.trigger == "merged-from:data-insight"))
        assert trail is not None and trail.by == f"odm@{D}"
        # The target's roster decides who attends the meetings moved in: Eve, core at analytics, is invited.
        eve = {n.idempotency_key.split("/")[0] for n in u.session.scalars(
            select(Notification).where(Notification.recipient == f"eve@{D}", Notification.ics_method == "REQUEST"))}
        assert "data-insight.checkin.1@copflow" in eve and "analytics.checkin.1@copflow" in eve


def test_close_decision_cancels_every_series_notifies_members_and_drafts_lessons(db_url):
    closing(db_url)
    with UnitOfWork(db_url) as u:
        series = list(u.session.scalars(select(MeetingSeries)))
        assert series and all(m.status == "cancelled" for m in series)
        cancels = list(u.session.scalars(select(Notification).where(Notification.kind == "invitation_cancel")))
        notices = list(u.session.scalars(select(Notification).where(Notification.kind == "closing_notice")))
        lessons = u.session.scalars(select(Document).where(Document.kind == "lessons_learned")).one()
    parsed = read_with_icaljs([n.ics for n in cancels], 1)
    by_uid = {p["events"][0]["uid"]: p for p in parsed}
    assert set(by_uid) == {m.uid for m in series}
    for m in series:
        event = by_uid[m.uid]["events"][0]
        assert by_uid[m.uid]["method"] == "CANCEL" and event["status"] == "CANCELLED"
        assert event["sequence"] == m.sequence == 1
    # Every member, and the OD manager's own copy.
    assert {n.recipient for n in notices} == {f"ann@{D}", f"bob@{D}", f"cat@{D}", f"dir@{D}", f"odm@{D}"}
    assert "will close on Tuesday 7 April 2026" in notices[0].subject
    assert "# Lessons learned: Data and Insight" in lessons.content and "1 seminar" in lessons.content
    # The leads' notices carry the draft they are to complete, as a Word document; the other members' do not.
    drafts = {n.recipient: (n.attachment_name, n.attachment) for n in notices}
    for lead in (f"ann@{D}", f"bob@{D}"):
        name, data = drafts[lead]
        assert name == "data-insight-lessons-learned-draft.docx" and data is not None
        text = docx_text(base64.b64decode(data))
        assert "Lessons learned: Data and Insight" in text and "1 seminar" in text
    assert drafts[f"cat@{D}"] == drafts[f"dir@{D}"] == (None, None)
    lead_notice = next(n for n in notices if n.recipient == f"ann@{D}")
    assert "Word document (data-insight-lessons-learned-draft.docx)" in lead_notice.body_text
    member = next(n for n in notices if n.recipient == f"cat@{D}").body_text
    assert "lessons-learned" not in member and "it achieved its aims" in member
    # A decision that differs from the evaluation's advice says so in the audit trail and the OD manager's copy
    # only; members read the reason in the OD manager's words.
    od_copy = next(n for n in notices if n.recipient == f"odm@{D}").body_text
    assert "recommended" not in member and ("recommended" in od_copy) == ("recommended" in trail_reason(db_url))


def trail_reason(url: str) -> str:
    with UnitOfWork(url) as u:
        return u.session.scalars(select(TransitionRecord.reason).where(TransitionRecord.to_stage == "closing")).one()


def test_no_one_is_reminded_of_the_archive_and_a_late_one_goes_to_the_od_managers_digest(db_url):
    closing(db_url)
    with UnitOfWork(db_url) as u:
        cop_id = u.session.scalar(select(Cop.id))
    for day in range(REVIEW_DAY + 2, CLOSING_DAY + 1):  # every day up to and including the closing date
        counts = sweep_batch(UnitOfWork(db_url), [cop_id], now=at(day), policy=P)
        assert counts.notices_queued == 0 and counts.attention == []
    late = sweep_batch(UnitOfWork(db_url), [cop_id], now=at(CLOSING_DAY + 1), policy=P)  # the archive failed
    assert late.notices_queued == 0  # no mail of its own: the digest carries it, with the failure's reason
    [entry] = late.attention
    assert (entry["gate"], entry["audience"], entry["days"]) == ("archive_verified", "od_manager", 1)
    with UnitOfWork(db_url) as u:
        assert list(u.session.scalars(select(Notification).where(Notification.kind == "gate_reminder"))) == []


def test_archive_waits_for_the_closing_date(db_url, tmp_path):
    closing(db_url)
    with pytest.raises(InvalidInput, match="archived from that day"):
        close_cop(UnitOfWork(db_url), slug="data-insight", now=at(CLOSING_DAY - 1), policy=P, archive_dir=tmp_path / "archives")
    assert not (tmp_path / "archives").exists() or list((tmp_path / "archives").iterdir()) == []


def test_archive_equals_the_record_verifies_and_closes_once(db_url, tmp_path):
    closing(db_url)
    save_lessons(UnitOfWork(db_url), slug="data-insight", text="# Lessons\nWhat worked: lunch and learns.\n",
                 by=f"ann@{D}", now=at(CLOSING_DAY - 3))
    result = close_cop(UnitOfWork(db_url), slug="data-insight", now=at(CLOSING_DAY), policy=P, archive_dir=tmp_path / "archives")
    path = Path(result.path)
    assert path.parent == tmp_path / "archives" and path.name == "data-insight-2026-04-07.zip"
    assert verify_archive(path).ok
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        transitions = json.loads(zf.read("transitions.json"))
        roster = json.loads(zf.read("roster.json"))
        evidence = json.loads(zf.read("evidence.json"))
        names = set(zf.namelist())
        lessons = [zf.read(n).decode() for n in names if n.endswith("lessons_learned.md")]
    assert manifest["schema_version"] == SCHEMA_VERSION and manifest["cop"]["slug"] == "data-insight"
    assert {f["path"] for f in manifest["files"]} == names - {"manifest.json"}
    with UnitOfWork(db_url) as u:
        cop = u.session.scalar(select(Cop))
        assert (cop.stage, cop.archive_path) == ("closed", str(path))
        db_transitions = [(t.from_stage, t.to_stage) for t in u.session.scalars(
            select(TransitionRecord).order_by(TransitionRecord.id))]
        db_evidence = u.session.scalars(select(GateEvidence)).all()
        memberships = u.session.scalars(select(Membership)).all()
        done = list(u.session.scalars(select(Notification.recipient).where(Notification.kind == "closure_completed")))
    # The archive was written before the last transition, which it therefore does not hold.
    assert [(t["from"], t["to"]) for t in transitions] == db_transitions[:-1]
    assert db_transitions[-1] == ("closing", "closed")
    assert len(evidence) == len(db_evidence) - 1  # all but the archive_verified evidence recorded after it
    assert len(roster["members"]) == len(memberships) and roster["pseudonymised"] is True
    assert {m["member"] for m in roster["members"]} == {pseudonym("data-insight", m.person.email) for m in memberships}
    assert f"ann@{D}" not in json.dumps(roster)
    assert any("lunch and learns" in text for text in lessons) and any("to complete" in t for t in lessons)
    assert any(n.startswith("calendar/") and n.endswith(".ics") for n in names)
    assert sorted(done) == [f"ann@{D}", f"bob@{D}", f"dir@{D}", f"odm@{D}"]  # leads, sponsor and OD manager
    with UnitOfWork(db_url) as u:
        told = u.session.scalars(select(Notification).where(Notification.kind == "closure_completed")).first()
    assert "The archive (data-insight-2026-04-07.zip) is kept by the CoP programme team" in told.body_text
    assert str(tmp_path) not in told.body_text and "SHA-256" not in told.body_text
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "archives").iterdir()}
    again = close_cop(UnitOfWork(db_url), slug="data-insight", now=at(CLOSING_DAY + 1), policy=P, archive_dir=tmp_path / "archives")
    assert again.already_closed and again.path == result.path
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "archives").iterdir()} == before


def test_a_late_archive_says_the_announced_closing_date_in_one_mail_per_person(db_url, tmp_path):
    closing(db_url)
    with UnitOfWork(db_url) as u:
        announced = u.session.scalar(select(Cop.closing_date))
        changes_before = len(u.session.scalars(select(Notification.id).where(Notification.kind == "stage_changed")).all())
    close_cop(UnitOfWork(db_url), slug="data-insight", now=at(CLOSING_DAY + 3), policy=P,
              archive_dir=tmp_path / "archives")
    with UnitOfWork(db_url) as u:
        told = u.session.scalars(select(Notification).where(Notification.kind == "closure_completed")).all()
        changes_after = len(u.session.scalars(select(Notification.id).where(Notification.kind == "stage_changed")).all())
    assert changes_after == changes_before  # the closure-completed mail is the only word of the closure
    assert announced == at(CLOSING_DAY).date() and len(told) == 4
    text = told[0].body_text
    assert f"closed on {long_date(announced)}, as its closing notice announced" in text
    assert f"is archived (on {long_date(announced + timedelta(days=3))}) and checked complete" in text
    assert f"data-insight-{announced.isoformat()}.zip" in text


def test_a_flipped_byte_fails_verification_and_the_cop_stays_closing(db_url, tmp_path):
    closing(db_url)

    def flip(path: Path) -> None:
        data = bytearray(path.read_bytes())
        data[len(data) // 3] ^= 0x01
        path.write_bytes(bytes(data))

    with pytest.raises(ArchiveError, match="does not verify"):
        close_cop(UnitOfWork(db_url), slug="data-insight", now=at(CLOSING_DAY), policy=P, archive_dir=tmp_path / "archives",
                  after_write=flip)
    [path] = (tmp_path / "archives").iterdir()
    assert not verify_archive(path).ok
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(Cop.stage)) == "closing"
    with pytest.raises(ArchiveError, match="left for inspection"):  # never overwritten silently
        close_cop(UnitOfWork(db_url), slug="data-insight", now=at(CLOSING_DAY), policy=P, archive_dir=tmp_path / "archives")


def test_a_crash_before_the_rename_leaves_no_half_archive(db_url, tmp_path):
    closing(db_url)

    def crash(partial: Path) -> None:
        assert partial.exists() and partial.name.startswith(".")
        raise KeyboardInterrupt("killed")

    with pytest.raises(KeyboardInterrupt):
        close_cop(UnitOfWork(db_url), slug="data-insight", now=at(CLOSING_DAY), policy=P, archive_dir=tmp_path / "archives",
                  before_rename=crash)
    assert list((tmp_path / "archives").iterdir()) == []  # neither a final archive nor a partial one
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(Cop.stage)) == "closing"
    result = close_cop(UnitOfWork(db_url), slug="data-insight", now=at(CLOSING_DAY), policy=P, archive_dir=tmp_path / "archives")
    assert verify_archive(Path(result.path)).ok


def test_writes_after_closure_are_refused(db_url, tmp_path):
    closing(db_url)
    close_cop(UnitOfWork(db_url), slug="data-insight", now=at(CLOSING_DAY), policy=P, archive_dir=tmp_path / "archives")
    from copflow.services.meetings.changes import cancel

    for attempt in (
        lambda: record(db_url, "data-insight", "archive_verified", CLOSING_DAY + 1, archive_path="x"),
        lambda: members.add_member(UnitOfWork(db_url), slug="data-insight", email=f"ann@{D}", role="wider",
                                  now=at(CLOSING_DAY), policy=P, acting=OD),
        lambda: save_lessons(UnitOfWork(db_url), slug="data-insight", text="late", by="x", now=at(CLOSING_DAY)),
        lambda: cancel(UnitOfWork(db_url), slug="data-insight", meeting="x@copflow", now=at(CLOSING_DAY)),
        lambda: decide_review(UnitOfWork(db_url), slug="data-insight", decision="pass", decided_by=f"odm@{D}",
                              reason="x, as the review found", now=at(CLOSING_DAY), policy=P),
    ):
        with pytest.raises(CopClosed, match="read-only"):
            attempt()


@pytest.mark.parametrize("name", ["../escape.zip", "/etc/passwd", "a/b.zip", ".hidden.zip", "", "x\x00.zip"])
def test_archive_names_cannot_leave_the_archive_folder(tmp_path, name):
    with pytest.raises(ArchiveError):
        safe_target(tmp_path, name)


def test_an_archive_closed_by_a_person_records_who_asked(db_url, tmp_path):
    """The console's Close records its signed-in OD manager, not the archive step (the sweep's closing does)."""
    closing(db_url)
    who = f"odm@{D} (via console by Oda Mann)"
    close_cop(UnitOfWork(db_url), slug="data-insight", now=at(CLOSING_DAY), policy=P,
              archive_dir=tmp_path / "archives", by=who)
    with UnitOfWork(db_url) as u:
        last = u.session.scalars(select(TransitionRecord).order_by(TransitionRecord.id.desc())).first()
    assert last is not None and (last.to_stage, last.by) == ("closed", who)
