"""Invitations through a real SMTP server, read back by ical.js: structure, methods, updates, cancellations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from copflow.db.models import MeetingSeries
from copflow.db.uow import UnitOfWork
from copflow.services.mail.delivery import deliver
from copflow.services.meetings.changes import cancel, reschedule
from notifications.transports import SmtpTransport
from tests.acting import OD
from tests.integration.helpers import D, P, at, to_active
from tests.interop.icaljs import read_with_icaljs

SENDER = "CoP programme <cop@uni.example.org>"


def send(url: str, smtp, day: int) -> None:  # type: ignore[no-untyped-def]
    deliver(UnitOfWork(url), SmtpTransport("127.0.0.1", smtp.port), sender=SENDER, now=at(day))


def invitations(smtp):  # type: ignore[no-untyped-def]
    return [m for m in smtp.received if m.message.get_content_type() == "multipart/mixed"]


def structure(msg) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for part in msg.walk():
        out.append(part.get_content_type())
    return out


def calendar_part(msg):  # type: ignore[no-untyped-def]
    return next(p for p in msg.walk() if p.get_content_type() == "text/calendar")


def test_launch_sends_series_invitations_that_clients_accept(db_url, smtp):
    to_active(db_url)
    send(db_url, smtp, 90)
    invites = invitations(smtp)
    with UnitOfWork(db_url) as u:
        series = {s.kind: s for s in u.session.scalars(select(MeetingSeries))}
    assert set(series) == {"review", "checkin", "sponsor_catchup"}
    # One invitation per mail, per attendee, per series: check-in to leads + core, catch-up to leads + sponsor,
    # review meeting to leads, core, sponsor and OD contact.
    by_uid: dict[str, list[str]] = {}
    for m in invites:
        assert structure(m.message) == ["multipart/mixed", "multipart/alternative", "text/plain", "text/html",
                                        "text/calendar", "application/ics"]
        cal = calendar_part(m.message)
        text = cal.get_content()
        assert cal.get_param("method") == "REQUEST" and "METHOD:REQUEST" in text
        assert cal.get_content_charset() == "utf-8"
        assert text.count("BEGIN:VEVENT") == 1
        attachment = next(p for p in m.message.walk() if p.get_content_type() == "application/ics")
        assert attachment.get_filename() == "invite.ics" and attachment.get_content().decode() == text
        [parsed] = read_with_icaljs([text], 3)
        [event] = parsed["events"]
        by_uid.setdefault(event["uid"], []).extend(m.rcpt_tos)
        assert parsed["method"] == "REQUEST" and event["status"] == "CONFIRMED" and event["sequence"] == 0
        assert all(a["partstat"] == "NEEDS-ACTION" and a["rsvp"] == "TRUE" for a in event["attendees"])
        # Organised by the programme's mailbox (the sender's address when COPFLOW_ORGANIZER_EMAIL is unset) under
        # the CoP's name; the leads attend as CHAIR like everyone else (docs/calendars.md)
        assert event["organizer"] == {"email": "mailto:copflow@localhost", "cn": "Data and Insight"}
        chairs = {a["email"] for a in event["attendees"] if a["role"] == "CHAIR"}
        assert chairs == {f"mailto:ann@{D}", f"mailto:bob@{D}"}
    assert sorted(by_uid[series["checkin"].uid]) == [f"ann@{D}", f"bob@{D}", f"cat@{D}"]
    assert sorted(by_uid[series["sponsor_catchup"].uid]) == [f"ann@{D}", f"bob@{D}", f"dir@{D}"]
    assert sorted(by_uid[series["review"].uid]) == [f"ann@{D}", f"bob@{D}", f"cat@{D}", f"dir@{D}", f"odm@{D}"]
    checkin = read_with_icaljs([calendar_part(next(m.message for m in invites
                                                   if series["checkin"].uid in calendar_part(m.message).get_content()))
                                .get_content()], 4)[0]["events"][0]
    # Launch held 2025-04-04; check-ins start on the policy's second Tuesday at least two weeks later, at 12:30
    # London time, every month on the second Tuesday (BST = UTC+1).
    assert checkin["occurrences"] == ["2025-05-13T11:30:00.000Z", "2025-06-10T11:30:00.000Z",
                                      "2025-07-08T11:30:00.000Z", "2025-08-12T11:30:00.000Z"]
    total = len(invites)
    send(db_url, smtp, 91)
    assert len(invitations(smtp)) == total  # a re-run sends nothing twice


def test_update_and_cancellations_keep_the_uid_and_raise_the_sequence(db_url, smtp):
    to_active(db_url)
    send(db_url, smtp, 90)
    with UnitOfWork(db_url) as u:
        uid = u.session.scalar(select(MeetingSeries.uid).where(MeetingSeries.kind == "checkin"))
    smtp.received.clear()
    reschedule(UnitOfWork(db_url), slug="data-insight", meeting=uid, policy=P, start=datetime(2025, 4, 22, 13, 0),
               now=at(91), location="Room 2.14")
    cancel(UnitOfWork(db_url), slug="data-insight", meeting=uid, now=at(92), occurrence=datetime(2025, 6, 24, 13, 0))
    cancel(UnitOfWork(db_url), slug="data-insight", meeting=uid, now=at(93), reason="testing")
    cancel(UnitOfWork(db_url), slug="data-insight", meeting=uid, now=at(94))  # twice: nothing new
    send(db_url, smtp, 95)
    texts = [calendar_part(m.message).get_content() for m in invitations(smtp) if m.rcpt_tos == [f"bob@{D}"]]
    parsed = read_with_icaljs(texts, 2)
    summary = [(p["method"], p["events"][0]["uid"], p["events"][0]["sequence"], p["events"][0]["status"],
                p["events"][0]["recurrence_id_utc"]) for p in parsed]
    assert summary == [("REQUEST", uid, 1, "CONFIRMED", None),
                       ("CANCEL", uid, 2, "CANCELLED", "2025-06-24T12:00:00.000Z"),
                       ("CANCEL", uid, 3, "CANCELLED", None)]
    # Moved to Tuesday 22 April: the series now meets on the fourth Tuesday.
    assert parsed[0]["events"][0]["occurrences"] == ["2025-04-22T12:00:00.000Z", "2025-05-27T12:00:00.000Z"]
    for m in invitations(smtp):
        cal = calendar_part(m.message)
        method = "CANCEL" if "METHOD:CANCEL" in cal.get_content() else "REQUEST"
        assert cal.get_param("method") == method
    subjects = sorted({m.message["Subject"] for m in invitations(smtp)})
    assert subjects == ["Cancelled: Core group check-in on Tuesday 24 June 2025, 13:00 — Data and Insight",
                        "Cancelled: Core group check-in — Data and Insight",
                        "Updated: Core group check-in (every month on the fourth Tuesday) — Data and Insight"]


def test_an_online_meeting_link_is_the_location_and_the_join_url(db_url, smtp):
    to_active(db_url)
    with UnitOfWork(db_url) as u:
        uid = u.session.scalar(select(MeetingSeries.uid).where(MeetingSeries.kind == "checkin"))
    link = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0"
    reschedule(UnitOfWork(db_url), slug="data-insight", meeting=uid, policy=P, start=datetime(2025, 4, 22, 13, 0),
               now=at(91), location=link)
    reschedule(UnitOfWork(db_url), slug="data-insight", meeting=uid, policy=P, start=datetime(2025, 4, 22, 13, 0),
               now=at(92), location="Room 2.14, Library")
    send(db_url, smtp, 93)
    texts = [calendar_part(m.message).get_content() for m in invitations(smtp)
             if m.rcpt_tos == [f"bob@{D}"] and m.message["Subject"].startswith("Updated:")]
    online, room = (p["events"][0] for p in read_with_icaljs(texts, 1))
    assert (online["location"], online["url"]) == (link, link)
    assert (room["location"], room["url"]) == ("Room 2.14, Library", None)


def test_an_occurrence_cancelled_earlier_stays_cancelled_in_every_later_invitation(db_url, smtp):
    from copflow.services.people import members

    to_active(db_url)
    with UnitOfWork(db_url) as u:
        checkin = u.session.scalar(select(MeetingSeries).where(MeetingSeries.kind == "checkin"))
        uid, first = checkin.uid, datetime.fromisoformat(checkin.starts_local)
    second = datetime(2025, 6, 10, 12, 30)  # the second Tuesday after the first, 13 May
    send(db_url, smtp, 90)
    smtp.received.clear()  # what the launch sent, before the occurrence was cancelled
    cancel(UnitOfWork(db_url), slug="data-insight", meeting=uid, now=at(91), occurrence=second)
    members.add_person(UnitOfWork(db_url), email=f"eve@{D}", name="Eve Stone", now=at(92))
    members.add_member(UnitOfWork(db_url), slug="data-insight", email=f"eve@{D}", role="core", now=at(92), policy=P, acting=OD)
    reschedule(UnitOfWork(db_url), slug="data-insight", meeting=uid, policy=P, start=first, now=at(93), location="Room 9")
    send(db_url, smtp, 94)
    requests = [calendar_part(m.message).get_content() for m in invitations(smtp)
                if uid in calendar_part(m.message).get_content() and "METHOD:REQUEST" in
                calendar_part(m.message).get_content() and m.rcpt_tos in ([f"eve@{D}"], [f"bob@{D}"])]
    assert len(requests) >= 2  # Eve's invitation as a joiner, and the move sent to everyone
    for parsed in read_with_icaljs(requests, 3):
        occurrences = parsed["events"][0]["occurrences"]
        assert len(occurrences) == 3 and second.strftime("%Y-%m-%d") not in " ".join(occurrences)
