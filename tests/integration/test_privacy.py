"""Personal data on SQLite and PostgreSQL: erasure (nothing of the person left in any column, counts kept),
subject access (their memberships, attendance and mail in one zip), and what a refused erasure leaves."""

from __future__ import annotations

import json
import zipfile
from dataclasses import asdict

import pytest
from sqlalchemy import func, select

from copflow.db.models import Attendance, Cop, ErasureRecord, MeetingSeries, Membership, Notification, Person
from copflow.db.uow import UnitOfWork
from copflow.services.cops import show_cop
from copflow.services.errors import InvalidInput, NotFound
from copflow.services.evaluation.review_report import gather
from copflow.services.privacy.erasure import erase_person
from copflow.services.privacy.export import export_person
from copflow.services.pseudonyms import recipient_hash
from lifecycle.review_metrics import evaluate_period
from tests.integration.privacy_helpers import NOW, ODM, P, find_everywhere, load_demo

FEMI, FEMI_NAME = "femi.adeyemi@uni.example.org", "Femi Adeyemi"
CHLOE, CHLOE_NAME = "chloe.martin@uni.example.org", "Chloé Martin"
EVE, EVE_NAME = "eve.nowak@uni.example.org", "Eve Nowak"  # Events Management's coordinator: organises its meetings
SLUGS = ("data-insight", "events-management", "research-it", "hr-recruitment", "digital-communications",
         "facilities-management")


@pytest.fixture
def demo(db_url, tmp_path):  # type: ignore[no-untyped-def]
    load_demo(db_url, tmp_path)
    return db_url


def _gates_and_metrics(url: str) -> dict[str, object]:
    """Each CoP's ways out (what passes, what is missing) and each review's metrics, as of NOW."""
    out: dict[str, object] = {slug: show_cop(UnitOfWork(url), slug, NOW, P).ways_out for slug in SLUGS}
    with UnitOfWork(url) as u:
        for slug in ("events-management", "data-insight", "facilities-management"):
            cop = u.session.scalar(select(Cop).where(Cop.slug == slug))
            out[f"{slug} metrics"] = asdict(evaluate_period(gather(u.session, cop, cop.stage_entered_on, NOW.date(),
                                                                   P)))
    return out


def _counts(url: str) -> dict[str, int]:
    with UnitOfWork(url) as u:
        return {m.__tablename__: u.session.scalar(select(func.count()).select_from(m)) or 0
                for m in (Person, Membership, Attendance)}


@pytest.mark.parametrize(("email", "name"), [(FEMI, FEMI_NAME), (CHLOE, CHLOE_NAME), (EVE, EVE_NAME)])
def test_erasure_leaves_no_trace_and_keeps_gates_and_metrics(demo, tmp_path, email, name):
    assert find_everywhere(demo, email, name)  # the search finds them before: it is a real search
    before, counts = _gates_and_metrics(demo), _counts(demo)

    report = erase_person(UnitOfWork(demo), email=email, by=ODM, now=NOW, policy=P, reports_dir=tmp_path / "reports")

    assert find_everywhere(demo, email, name) == []
    assert _gates_and_metrics(demo) == before
    assert _counts(demo) == counts  # nobody and nothing deleted: the rows stay, under the pseudonym
    assert report.done and sum(report.rows_changed.values()) > 0 and report.rows_changed["person"] >= 1
    # Femi and Chloé were in Facilities Management, which closed into an archive before the erasure; Eve was not.
    archived = [f for f in report.files_to_handle if "facilities-management" in f]
    assert len(archived) == (0 if email == EVE else 1)
    with UnitOfWork(demo) as u:
        [audit] = u.session.scalars(select(ErasureRecord)).all()
        assert (audit.pseudonym, audit.erased_by, audit.erased_at) == (report.pseudonym, ODM, NOW)
        person = u.session.scalar(select(Person).where(Person.email == f"{report.pseudonym}@erased.invalid"))
        assert person is not None and person.name.startswith("Erased person ")
        mail = list(u.session.scalars(select(Notification).where(Notification.recipient == person.email)))
        assert mail and all(m.body_text == "" and m.subject == "" for m in mail)
        assert all(m.recipient_hash == recipient_hash(person.email) for m in mail)
        # Calendars: every live meeting has a reachable organiser and no longer invites the erased person.
        live = list(u.session.scalars(select(MeetingSeries).where(MeetingSeries.status == "scheduled")))
        assert live and all(not m.organizer_email.endswith("erased.invalid") for m in live)
        assert all(a[0] != person.email for m in live for a in m.attendees)
    if email == EVE:  # the programme's mailbox organises her CoP's series: she is only taken off them
        assert any("cancelled for" in line and "erased.invalid" not in line.split(":")[0] for line in report.meetings)
        _calendars_read_back(demo, f"mailto:{report.pseudonym}@erased.invalid")


def _calendars_read_back(url: str, pseudonym: str) -> None:
    """Calendars the erasure rewrote (unfolded, replaced, folded again) still read back in Mozilla's ical.js,
    naming the pseudonym where the person was."""
    from tests.interop.icaljs import read_with_icaljs

    with UnitOfWork(url) as u:
        texts = [n.ics for n in u.session.scalars(select(Notification).where(
            Notification.ics.is_not(None), Notification.ics.like(f"%{pseudonym[7:20]}%")))]
    assert texts
    parsed = read_with_icaljs([t for t in texts if t], 1)
    people = [p for cal in parsed for ev in cal["events"] for p in [ev["organizer"], *ev["attendees"]] if p]
    assert any(p["email"] == pseudonym and p["cn"].startswith("Erased person") for p in people)


def test_nothing_is_queued_to_an_erased_person(demo):
    from copflow.services.mail.outbox import Recipient, enqueue
    from tests.integration.helpers import queue_messages

    queue_messages(demo, [("x/later/femi", FEMI)], now=NOW)  # queued, not yet sent: withdrawn by the erasure
    report = erase_person(UnitOfWork(demo), email=FEMI, by=ODM, now=NOW, policy=P)
    # That one, and the cancellations taking him off Events Management's meetings (never sent to him).
    taken_off = [line for line in report.meetings if "cancelled for" in line]
    assert taken_off and report.mail_withdrawn == 1 + len(taken_off)
    with UnitOfWork(demo) as u:
        row = u.session.scalar(select(Notification).where(Notification.idempotency_key.like("x/later/%")))
        assert row is not None and row.status == "withdrawn" and row.body_text == ""
        added = enqueue(u.session, key="x/again", cop_id=None, kind="stage_changed",
                        to=Recipient(f"{report.pseudonym}@erased.invalid", "Erased", "lead"), context={}, now=NOW)
        assert added is False


def test_refused_while_the_only_coordinator_or_lead(demo):
    grace = "grace.lee@uni.example.org"
    counts = _counts(demo)
    with pytest.raises(InvalidInput) as err:
        erase_person(UnitOfWork(demo), email=grace, by=ODM, now=NOW, policy=P)
    message = str(err.value)
    assert "only coordinator or lead of digital-communications" in message and "appoint" in message
    assert "\n" not in message
    assert _counts(demo) == counts and find_everywhere(demo, grace)
    with UnitOfWork(demo) as u:
        assert u.session.scalar(select(func.count()).select_from(ErasureRecord)) == 0
    with pytest.raises(NotFound):
        erase_person(UnitOfWork(demo), email="nobody@uni.example.org", by=ODM, now=NOW, policy=P)


def test_a_dry_run_writes_nothing(demo):
    report = erase_person(UnitOfWork(demo), email=FEMI, by=ODM, now=NOW, policy=P, dry_run=True)
    assert not report.done and report.rows_changed["person"] >= 1
    assert find_everywhere(demo, FEMI)
    with UnitOfWork(demo) as u:
        assert u.session.scalar(select(func.count()).select_from(ErasureRecord)) == 0


def test_export_holds_memberships_attendance_and_mail(demo, tmp_path):
    out = tmp_path / "femi.zip"
    result = export_person(UnitOfWork(demo), email=FEMI, out=out, now=NOW)
    assert result.path == out
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        person = json.loads(zf.read("person.json"))
        memberships = json.loads(zf.read("membership.json"))
        attendance = json.loads(zf.read("attendance.json"))
        mails = json.loads(zf.read("notification.json"))
        summary = zf.read("summary.md").decode()
        texts = [zf.read(n).decode() for n in names if n.startswith("mails/")]
    assert person[0]["email"] == FEMI and person[0]["name"] == FEMI_NAME
    assert {(m["cop"], m["role"]) for m in memberships} == {("events-management", "lead"),
                                                            ("facilities-management", "coordinator")}
    with UnitOfWork(demo) as u:
        femi = u.session.scalar(select(Person).where(Person.email == FEMI))
        assert femi is not None
        attended = u.session.scalar(select(func.count()).select_from(Attendance)
                                    .where(Attendance.person_id == femi.id))
        sent = u.session.scalar(select(func.count()).select_from(Notification)
                                .where(Notification.recipient == FEMI, Notification.status == "sent"))
    assert attended and len(attendance) == attended and all(a["activity_title"] for a in attendance)
    assert sent and len(mails) == sent == result.mails == len(texts)
    assert all(m["recipient"] == FEMI and m["body_text"] for m in mails)
    assert {"activity.json", "gate_evidence.json"} & names or "meeting_series.json" in names
    assert "Events Management (events-management): lead" in summary
    assert f"## Mail to you ({sent} with their content" in summary
    # Mail to other people stays out of the export, even where it names him.
    assert all(FEMI in t for t in texts)


def test_export_refuses_an_existing_file_and_writes_nothing_for_an_unknown_person(demo, tmp_path):
    existing = tmp_path / "there.zip"
    existing.write_bytes(b"keep me")
    with pytest.raises(InvalidInput, match="already exists"):
        export_person(UnitOfWork(demo), email=FEMI, out=existing, now=NOW)
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(NotFound):
        export_person(UnitOfWork(demo), email="nobody@uni.example.org", out=tmp_path / "n.zip", now=NOW)
    with pytest.raises(InvalidInput, match="does not exist"):
        export_person(UnitOfWork(demo), email=FEMI, out=tmp_path / "no" / "x.zip", now=NOW)
    assert sorted(p.name for p in tmp_path.glob("*.zip")) == ["there.zip"]


def test_mail_queued_by_a_transaction_running_during_the_erasure_is_erased_too(db_url):
    """A sweep that read the person before the erasure and queues mail to them while it runs: the erasure waits
    for it (PostgreSQL: the person table's lock; SQLite: one writer at a time) and then erases that mail too."""
    import threading
    import time

    from sqlalchemy import text

    from copflow.db.engine import get_engine
    from tests.integration.helpers import D, to_planning

    to_planning(db_url)
    cat = f"cat@{D}"
    done: list[object] = []
    with get_engine(db_url).connect() as conn:
        conn.begin()  # BEGIN IMMEDIATE on SQLite, as every copflow transaction
        [(address, name)] = conn.execute(text("SELECT email, name FROM person WHERE email = :e"), {"e": cat}).all()
        worker = threading.Thread(target=lambda: done.append(
            erase_person(UnitOfWork(db_url), email=cat, by=ODM, now=NOW, policy=P)))
        worker.start()
        time.sleep(0.5)  # the erasure is waiting now (were it not, the row below would escape it)
        conn.execute(text(
            "INSERT INTO notification (idempotency_key, kind, recipient, recipient_name, subject, body_text, status, "
            "attempts, next_attempt_at, created_at) VALUES (:k, 'gate_reminder', :a, :n, 's', :b, 'pending', 0, "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"k": f"x/late/{address}", "a": address, "n": name,
                                                      "b": f"Dear {name}"})
        conn.commit()
    worker.join(timeout=120)
    assert done and find_everywhere(db_url, cat, "Cat Ng") == []
