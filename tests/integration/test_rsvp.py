"""RSVPs: replies built by ical.js (a calendar library copflow does not use) from copflow's own invitations, applied
by `apply_calendar_reply`: accept, decline, tentative, one occurrence, COUNTER; and every hostile case, which
writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from copflow.db.models import MeetingAnswer, Notification
from copflow.db.uow import UnitOfWork
from copflow.services.meetings.answers import answers_for
from copflow.services.meetings.replies import ReplyRefused, apply_calendar_reply
from tests.integration.helpers import D, at, to_active
from tests.integration.rsvp_helpers import PROGRAMME, apply, invitation, reply, series_of
from tests.interop.icaljs import read_with_icaljs


@pytest.fixture
def active(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COPFLOW_SENDER", f"CoP programme <{PROGRAMME}>")
    to_active(db_url)
    return db_url


def answers(url: str, kind: str, occurrence: str | None = None):  # type: ignore[no-untyped-def]
    with UnitOfWork(url) as u:
        series = series_of(url, kind)
        return answers_for(u.session, u.session.merge(series), occurrence)


def test_accept_decline_tentative_are_recorded_for_the_series(active: str) -> None:
    with UnitOfWork(active) as u:  # the mail's From as the reader has it, name and all
        got = apply_calendar_reply(u.session, calendar=reply(active, "checkin", "ann", "ACCEPTED"),
                                   sender=f"Ann Lee <ANN@{D}>", now=at(91))
        u.commit()
    assert (got.method, got.answer, got.occurrence, got.attendee) == ("REPLY", "ACCEPTED", None, f"ann@{D}")
    apply(active, reply(active, "checkin", "bob", "TENTATIVE"), "bob", at(91))
    apply(active, reply(active, "checkin", "cat", "DECLINED"), "cat", at(91))
    seen = answers(active, "checkin")
    assert (seen.coming, seen.tentative, seen.declined) == (["Ann Lee"], ["Bob Kay"], ["Cat Ng"])
    assert seen.in_words() == "coming: 1 — declined: Cat Ng — unsure: Bob Kay"
    # Changing one's mind updates the same answer
    apply(active, reply(active, "checkin", "cat", "ACCEPTED"), "cat", at(92))
    assert answers(active, "checkin").coming == ["Ann Lee", "Cat Ng"]
    with UnitOfWork(active) as u:
        assert u.session.scalar(select(func.count()).select_from(MeetingAnswer)) == 3


def test_one_occurrence_wins_over_the_series(active: str) -> None:
    apply(active, reply(active, "checkin", "ann", "ACCEPTED"), "ann", at(91))
    # The second check-in: 2025-06-10 12:30 London (11:30 UTC), as ical.js writes it, in UTC
    got = apply(active, reply(active, "checkin", "ann", "DECLINED", occurrence_utc="2025-06-10T11:30:00Z"), "ann",
                at(91))
    assert (got.occurrence, got.answer) == ("2025-06-10T12:30", "DECLINED")
    assert answers(active, "checkin", "2025-06-10T12:30").declined == ["Ann Lee"]
    assert answers(active, "checkin", "2025-05-13T12:30").coming == ["Ann Lee"]
    with pytest.raises(ReplyRefused) as refused:  # no check-in then
        apply(active, reply(active, "checkin", "ann", "DECLINED", occurrence_utc="2025-06-11T11:30:00Z"), "ann",
              at(91))
    assert refused.value.reason == "occurrence"


def test_a_counter_is_recorded_and_told_to_the_leads_never_applied(active: str) -> None:
    before = series_of(active, "checkin")
    got = apply(active, reply(active, "checkin", "cat", None, method="COUNTER",
                              propose_start_utc="2025-05-14T13:00:00Z", propose_end_utc="2025-05-14T14:00:00Z",
                              comment="Wednesday suits the finance team"), "cat", at(91))
    assert (got.method, got.proposed_start, got.proposed_end) == ("COUNTER", "2025-05-14T14:00", "2025-05-14T15:00")
    assert got.leads_told == 2
    after = series_of(active, "checkin")
    assert (after.starts_local, after.sequence) == (before.starts_local, before.sequence)
    [counter] = answers(active, "checkin").counters
    assert (counter.name, counter.start) == ("Cat Ng", "2025-05-14T14:00")
    with UnitOfWork(active) as u:
        mails = u.session.scalars(select(Notification).where(Notification.kind == "meeting_answers")).all()
    assert sorted(m.recipient for m in mails) == [f"ann@{D}", f"bob@{D}"]
    assert all("Wednesday 14 May 2025, 14:00–15:00" in m.body_text and "Nothing has moved" in m.body_text
               for m in mails)
    # The same COUNTER read again queues nothing more
    assert apply(active, reply(active, "checkin", "cat", None, method="COUNTER",
                               propose_start_utc="2025-05-14T13:00:00Z", propose_end_utc="2025-05-14T14:00:00Z"),
                 "cat", at(91)).leads_told == 0


def test_the_sponsor_declining_a_catch_up_is_told_to_the_leads_once(active: str) -> None:
    assert apply(active, reply(active, "sponsor_catchup", "dir", "DECLINED"), "dir", at(91)).leads_told == 2
    assert apply(active, reply(active, "sponsor_catchup", "dir", "DECLINED"), "dir", at(92)).leads_told == 0
    with UnitOfWork(active) as u:
        [mail, _] = u.session.scalars(select(Notification).where(Notification.kind == "meeting_answers")).all()
    assert mail.subject == "Dee Ray cannot come to the Data and Insight sponsor catch-up"


def test_fewer_than_half_the_core_group_coming_is_told_to_the_leads(active: str) -> None:
    assert apply(active, reply(active, "checkin", "cat", "DECLINED"), "cat", at(91)).leads_told == 0
    assert apply(active, reply(active, "checkin", "bob", "DECLINED"), "bob", at(91)).leads_told == 2
    with UnitOfWork(active) as u:
        mail = u.session.scalars(select(Notification).where(Notification.kind == "meeting_answers")).first()
    assert mail is not None, "no mail"
    assert "coming: 0 — declined: Cat Ng, Bob Kay — no answer: 1" in mail.body_text  # in the invited order


HOSTILE = [
    ("not-attendee", "checkin", "dir", {}, "dir"),  # the sponsor does not attend check-ins
    ("not-attendee", "checkin", "ann", {}, "bob"),  # Bob's mail carrying Ann's answer
    ("unknown-uid", "checkin", "ann", {"uid": "someone-else@example.org"}, "ann"),
    ("forged-organizer", "checkin", "ann", {"organizer": f"bob@{D}"}, "ann"),
]


@pytest.mark.parametrize(("reason", "kind", "who", "ask", "sender"), HOSTILE)
def test_hostile_replies_are_refused_and_write_nothing(active: str, reason: str, kind: str, who: str,
                                                       ask: dict[str, str], sender: str) -> None:
    text = reply(active, kind, who, "ACCEPTED", **ask) if who != "dir" else reply(active, "sponsor_catchup", who,
                                                                                  "ACCEPTED")
    if who == "dir":  # the sponsor's own reply, pointed at the check-in
        text = text.replace(series_of(active, "sponsor_catchup").uid.encode(), series_of(active, "checkin").uid.encode())
    with pytest.raises(ReplyRefused) as refused:
        apply(active, text, sender, at(91))
    assert refused.value.reason == reason
    with UnitOfWork(active) as u:
        assert u.session.scalar(select(func.count()).select_from(MeetingAnswer)) == 0


@pytest.mark.parametrize(("reason", "calendar"), [
    ("malformed", b"this is not a calendar"),
    ("malformed", b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\n"),
    ("malformed", b"\xff\xfe not utf-8"),
    ("malformed", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n"),
    ("method", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n"
               b"END:VCALENDAR\r\n"),
    ("too-large", b"BEGIN:VCALENDAR\r\n" + b"X-PAD:" + b"a" * 300_000 + b"\r\nEND:VCALENDAR\r\n"),
])
def test_malformed_and_wrong_method_are_refused(active: str, reason: str, calendar: bytes) -> None:
    with pytest.raises(ReplyRefused) as refused:
        apply(active, calendar, "ann", at(91))
    assert refused.value.reason == reason


def test_a_cancel_method_is_refused(active: str) -> None:
    with pytest.raises(ReplyRefused) as refused:
        apply(active, reply(active, "checkin", "ann", "ACCEPTED", method="CANCEL"), "ann", at(91))
    assert refused.value.reason == "method"


def test_a_plus_address_per_cop_organises_and_its_replies_are_ours(db_url: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPFLOW_ORGANIZER_EMAIL", "CoP-Programme@uni.example.org")
    monkeypatch.setenv("COPFLOW_ORGANIZER_PLUS", "true")
    to_active(db_url)
    series = series_of(db_url, "checkin")
    [parsed] = read_with_icaljs([invitation(db_url, series.uid, "cat")], 1)
    [event] = parsed["events"]
    assert event["organizer"] == {"email": "mailto:cop-programme+data-insight@uni.example.org",
                                  "cn": "Data and Insight"}
    roles = {a["email"]: a["role"] for a in event["attendees"]}
    assert roles == {f"mailto:ann@{D}": "CHAIR", f"mailto:bob@{D}": "CHAIR", f"mailto:cat@{D}": "REQ-PARTICIPANT"}
    assert apply(db_url, reply(db_url, "checkin", "cat", "ACCEPTED"), "cat", at(91)).answer == "ACCEPTED"
    # another CoP's plus-address is not this CoP's organiser
    forged = reply(db_url, "checkin", "cat", "DECLINED", organizer="cop-programme+research-it@uni.example.org")
    with pytest.raises(ReplyRefused) as refused:
        apply(db_url, forged, "cat", at(91))
    assert refused.value.reason == "forged-organizer"


@pytest.mark.parametrize("value", ["two@x.org,three@x.org", "Name <a@x.org>", "a+b@x.org", "nobody"])
def test_a_bad_organizer_setting_is_refused_by_name(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from copflow.settings import SettingsError, load_settings

    monkeypatch.setenv("COPFLOW_ORGANIZER_EMAIL", value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert refused.value.field == "COPFLOW_ORGANIZER_EMAIL"


def test_mangled_replies_are_applied_or_refused_never_a_crash(active: str) -> None:
    """A real reply cut short, with lines dropped, doubled or bytes changed: each is applied whole or refused
    with a reason (hypothesis drives the mangling)."""
    from hypothesis import example, given
    from hypothesis import strategies as st

    from tests.fuzz_values import FUZZ

    good = reply(active, "checkin", "ann", "ACCEPTED", occurrence_utc="2025-06-10T11:30:00Z")
    lines = good.split(b"\r\n")

    @FUZZ
    @example(cut=len(good), drop=set(), twice={i for i, x in enumerate(lines) if x.startswith(b"TZID:")},
             noise=b"", where=0)  # a VTIMEZONE's TZID twice: icalendar's parser raised AttributeError
    @given(cut=st.integers(0, len(good)), drop=st.sets(st.integers(0, len(lines) - 1), max_size=3),
           twice=st.sets(st.integers(0, len(lines) - 1), max_size=2), noise=st.binary(max_size=12),
           where=st.integers(0, len(good)))
    def mangled(cut: int, drop: set[int], twice: set[int], noise: bytes, where: int) -> None:
        kept = [x for i, x in enumerate(lines) for _ in range(2 if i in twice else 1) if i not in drop]
        text = b"\r\n".join(kept)[: max(cut, 1)]
        text = text[:where] + noise + text[where:]
        try:
            got = apply(active, text, "ann", at(91))
        except ReplyRefused as refused:
            assert refused.reason in {"too-large", "malformed", "method", "unknown-uid", "forged-organizer",
                                      "not-attendee", "occurrence", "closed"}
        else:
            assert got.attendee == f"ann@{D}" and got.answer in {"ACCEPTED", "DECLINED", "TENTATIVE", "NEEDS-ACTION"}

    mangled()


def test_two_replies_of_one_person_read_at_once_leave_one_answer(active: str) -> None:
    """PostgreSQL, two readers: the second insert waits on the first's unique row, then updates it instead."""
    if not active.startswith("postgresql"):
        pytest.skip("two writers at once: PostgreSQL")
    import threading

    accept, decline = (reply(active, "checkin", "cat", answer) for answer in ("ACCEPTED", "DECLINED"))
    first = UnitOfWork(active)
    done: list[str] = []
    with first:
        apply_calendar_reply(first.session, calendar=accept, sender=f"cat@{D}", now=at(91))

        def second() -> None:
            done.append(apply(active, decline, "cat", at(91)).answer)

        other = threading.Thread(target=second)
        other.start()
        other.join(timeout=2)
        assert other.is_alive()  # waiting on the first reader's row
        first.commit()
    other.join(timeout=60)
    assert done == ["DECLINED"]
    assert answers(active, "checkin").declined == ["Cat Ng"]
    with UnitOfWork(active) as u:
        assert u.session.scalar(select(func.count()).select_from(MeetingAnswer)) == 1


def test_a_persons_export_holds_their_answers(active: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import zipfile

    from copflow.services.privacy.export import export_person

    apply(active, reply(active, "checkin", "cat", "DECLINED", comment="on leave that week"), "cat", at(91))
    out = tmp_path / "cat.zip"
    export_person(UnitOfWork(active), email=f"cat@{D}", out=out, now=at(92))
    with zipfile.ZipFile(out) as zf:
        [answer] = json.loads(zf.read("meeting_answer.json"))
        summary = zf.read("summary.md").decode()
    assert (answer["meeting"], answer["answer"], answer["comment"]) == (series_of(active, "checkin").uid, "DECLINED",
                                                                        "on leave that week")
    assert "- meeting_answer: 1 row(s) in meeting_answer.json" in summary


def test_a_closed_cops_meetings_take_no_more_answers(active: str) -> None:
    from copflow.db.models import Cop

    text = reply(active, "checkin", "ann", "ACCEPTED")
    with UnitOfWork(active) as u:  # as archiving leaves it (its series cancelled, its record read-only)
        u.session.execute(update(Cop).values(stage="closed"))
        u.commit()
    with pytest.raises(ReplyRefused) as refused:
        apply(active, text, "ann", at(91))
    assert refused.value.reason == "closed"
