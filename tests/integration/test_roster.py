"""Joiners and leavers, on SQLite and PostgreSQL: the roster and the calendars stay in step, read back by ical.js."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from copflow.db.models import MeetingSeries, Membership, Notification
from copflow.db.uow import UnitOfWork
from copflow.services.errors import CopClosed, InvalidInput
from copflow.services.people import members
from copflow.services.people.roster import end_membership
from tests.acting import OD
from tests.integration.helpers import D, P, at, to_active
from tests.interop.icaljs import read_with_icaljs

DAY = 100  # 2025-04-16: active since day 90, check-ins and sponsor catch-ups running


def series(url: str) -> dict[str, MeetingSeries]:
    with UnitOfWork(url) as u:
        rows = list(u.session.scalars(select(MeetingSeries).order_by(MeetingSeries.id)))
        u.session.expunge_all()
        return {s.uid: s for s in rows}


def invitations(url: str, to: str) -> list[Notification]:
    with UnitOfWork(url) as u:
        rows = list(u.session.scalars(select(Notification).where(Notification.recipient == to,
                                                                 Notification.ics.is_not(None))
                                      .order_by(Notification.id)))
        u.session.expunge_all()
        return rows


def leave(url: str, email: str, **kw: object):  # type: ignore[no-untyped-def]
    return end_membership(UnitOfWork(url), slug="data-insight", email=email, now=at(DAY), policy=P, **kw, acting=OD)


def test_a_joiner_is_invited_to_the_meetings_their_role_attends(db_url):
    to_active(db_url)
    members.add_person(UnitOfWork(db_url), email=f"eve@{D}", name="Eve Stone", department="IT", now=at(DAY))
    before = series(db_url)
    changes = members.add_member(UnitOfWork(db_url), slug="data-insight", email=f"eve@{D}", role="core",
                                now=at(DAY), policy=P, acting=OD)
    checkin = next(s for s in before.values() if s.kind == "checkin")
    assert len(changes) == 2 and all(f"invited eve@{D}" in c for c in changes)  # the check-ins and the review
    sent = invitations(db_url, f"eve@{D}")
    assert len(sent) == 2
    invite = next(n for n in sent if checkin.uid in (n.ics or ""))
    [parsed] = read_with_icaljs([invite.ics], 3)
    event = parsed["events"][0]
    assert parsed["method"] == "REQUEST" and event["uid"] == checkin.uid and event["sequence"] == checkin.sequence
    assert f"mailto:eve@{D}" in {a["email"] for a in event["attendees"]}
    after = series(db_url)
    assert after[checkin.uid].sequence == checkin.sequence  # nobody else's copy changed
    catchup = next(s for s in after.values() if s.kind == "sponsor_catchup")
    assert f"eve@{D}" not in {a[0] for a in catchup.attendees}  # a core member is not at sponsor catch-ups
    # Adding the same role again changes nothing in anyone's calendar.
    with pytest.raises(Exception, match="already"):
        members.add_member(UnitOfWork(db_url), slug="data-insight", email=f"eve@{D}", role="core", now=at(DAY),
                          policy=P, acting=OD)


def test_a_leaver_gets_a_cancellation_naming_only_them_and_stays_in_the_history(db_url):
    to_active(db_url)
    checkin = next(s for s in series(db_url).values() if s.kind == "checkin")
    left = leave(db_url, f"cat@{D}", left_on=date(2025, 4, 10))
    assert left.roles == ["core"] and len(left.changes) == 2  # the check-ins and the review meeting
    cancel = next(n for n in invitations(db_url, f"cat@{D}") if n.ics_method == "CANCEL" and checkin.uid in n.ics)
    [parsed] = read_with_icaljs([cancel.ics], 1)
    event = parsed["events"][0]
    assert parsed["method"] == "CANCEL" and event["uid"] == checkin.uid and event["sequence"] == checkin.sequence + 1
    assert [a["email"] for a in event["attendees"]] == [f"mailto:cat@{D}"]
    assert cancel.subject == "No longer invited: Core group check-in — Data and Insight"
    assert "You are no longer invited to the core group check-in series" in cancel.body_text
    assert f"cat@{D}" not in {a[0] for a in series(db_url)[checkin.uid].attendees}
    with UnitOfWork(db_url) as u:
        [m] = u.session.scalars(select(Membership).where(Membership.role == "core"))
        assert m.left_on == date(2025, 4, 10)  # kept, with the day they left
    # The others got nothing: their copies are still right.
    assert [n.ics_method for n in invitations(db_url, f"bob@{D}")].count("CANCEL") == 0


def test_a_lead_leaving_keeps_the_series_organised_by_the_programme(db_url):
    to_active(db_url)
    before = series(db_url)
    assert {s.organizer_email for s in before.values()} == {"copflow@localhost"}
    leave(db_url, f"ann@{D}")
    after = series(db_url)
    assert set(after) == set(before) and all(s.status == "scheduled" for s in after.values())
    assert all(f"ann@{D}" not in {a[0] for a in s.attendees} for s in after.values())


def test_a_series_a_lead_organised_is_sent_again_from_the_programme_once(db_url):
    """Series sent before the programme's mailbox organised them name a lead: calendars cannot change an organiser,
    so the next roster change cancels each and sends it again as a new series (RFC 5546), saying why."""
    to_active(db_url)
    with UnitOfWork(db_url) as u:  # as a series sent by an earlier copflow was
        for s in u.session.scalars(select(MeetingSeries)):
            s.organizer_email = f"ann@{D}"
        u.commit()
    before = series(db_url)
    left = leave(db_url, f"ann@{D}")
    after = series(db_url)
    old = [after[uid] for uid in before]
    fresh = [s for uid, s in after.items() if uid not in before]
    assert all(s.status == "cancelled" for s in old) and len(left.changes) == len(before)
    assert sorted(s.kind for s in fresh) == sorted(s.kind for s in before.values())
    assert all(s.organizer_email == "copflow@localhost" and s.status == "scheduled" for s in fresh)
    assert all(f"ann@{D}" not in {a[0] for a in s.attendees} for s in fresh)
    for s, o in zip(sorted(fresh, key=lambda x: x.kind), sorted(before.values(), key=lambda x: x.kind), strict=True):
        assert (s.starts_local, s.rrule, s.duration_minutes) == (o.starts_local, o.rrule, o.duration_minutes)
    cancels = [n for n in invitations(db_url, f"cat@{D}") if n.ics_method == "CANCEL"]
    assert cancels and all("programme's mailbox, copflow@localhost" in n.body_text for n in cancels)
    [parsed] = read_with_icaljs([n.ics for n in invitations(db_url, f"cat@{D}")
                                 if n.ics_method == "REQUEST" and fresh[0].uid in n.ics], 1)
    assert parsed["events"][0]["organizer"]["email"] == "mailto:copflow@localhost"
    members.add_member(UnitOfWork(db_url), slug="data-insight", email=f"ann@{D}", role="core", now=at(121), policy=P,
                       acting=OD)
    assert set(series(db_url)) == set(after)  # once: the new series are the programme's already


def test_the_last_lead_cannot_leave_and_mistakes_write_nothing(db_url):
    to_active(db_url)
    leave(db_url, f"ann@{D}")
    with UnitOfWork(db_url) as u:
        before = u.session.scalar(select(func.count()).select_from(Notification))
    for kw, message in (({"email": f"bob@{D}"}, "last coordinator or lead"),
                        ({"email": f"ann@{D}"}, "is not a member of data-insight"),
                        ({"email": f"cat@{D}", "role": "sponsor"}, "is not a sponsor of data-insight"),
                        ({"email": f"cat@{D}", "left_on": date(2026, 1, 1)}, "in the future"),
                        ({"email": f"cat@{D}", "left_on": date(2024, 12, 1)}, "before cat@")):
        with pytest.raises(InvalidInput, match=message):
            leave(db_url, **kw)  # type: ignore[arg-type]
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(func.count()).select_from(Notification)) == before
        assert u.session.scalar(select(func.count()).select_from(Membership)
                                .where(Membership.left_on.is_not(None))) == 1


def test_a_closed_cop_keeps_its_roster(db_url):
    to_active(db_url)
    from sqlalchemy import update

    from copflow.db.models import Cop

    with UnitOfWork(db_url) as u:
        u.session.execute(update(Cop).values(stage="closed"))
        u.commit()
    with pytest.raises(CopClosed):
        leave(db_url, f"cat@{D}")


def test_a_people_import_invites_new_members_to_the_meetings_already_running(db_url, tmp_path):
    from copflow.services.imports.people import import_people

    to_active(db_url)
    sheet = tmp_path / "people.csv"
    sheet.write_text(f"email,name,department,cop,role\neve@{D},Eve Stone,IT,data-insight,core\n"
                     f"fay@{D},Fay Wu,HR,data-insight,wider\n", encoding="utf-8")
    r = import_people(UnitOfWork(db_url), sheet, now=at(DAY), policy=P)
    assert r.counts["memberships added"] == 2 and r.counts["meetings with new invitees"] == 2
    checkin = next(s for s in series(db_url).values() if s.kind == "checkin")
    assert f"eve@{D}" in {a[0] for a in checkin.attendees} and f"fay@{D}" not in {a[0] for a in checkin.attendees}
    assert any(checkin.uid in (n.ics or "") for n in invitations(db_url, f"eve@{D}"))
    assert invitations(db_url, f"fay@{D}") == []  # wider members are not at check-ins or review meetings


def test_leaving_the_organisation_ends_every_open_membership_or_none(db_url):
    from copflow.services.people.roster import leave_organisation

    to_active(db_url)
    to_active(db_url, "events", with_staff=False)  # the same staff, a second CoP
    done = leave_organisation(UnitOfWork(db_url), email=f"cat@{D}", now=at(DAY), policy=P)
    assert [(left.slug, left.roles) for left in done] == [("data-insight", ["core"]), ("events", ["core"])]
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(func.count()).select_from(Membership)
                                .where(Membership.left_on == at(DAY).date())) == 2
    leave(db_url, f"ann@{D}")  # bob is now the only lead of data-insight, but events still has ann
    with pytest.raises(InvalidInput, match="last coordinator or lead of data-insight"):
        leave_organisation(UnitOfWork(db_url), email=f"bob@{D}", now=at(DAY), policy=P)
    with UnitOfWork(db_url) as u:  # nothing changed in events either: one transaction
        assert u.session.scalar(select(func.count()).select_from(Membership)
                                .where(Membership.left_on.is_not(None))) == 3
    with pytest.raises(InvalidInput, match="not a member of any open CoP"):
        leave_organisation(UnitOfWork(db_url), email=f"cat@{D}", now=at(DAY), policy=P)


def test_a_newcomer_named_with_a_refused_membership_leaves_no_person_behind(db_url):
    """The web's roster form adds a newcomer and their membership in one transaction: a refusal writes nothing."""
    from copflow.db.models import Person
    from copflow.services.errors import NotFound

    to_active(db_url)

    def people_named_eve() -> int:
        with UnitOfWork(db_url) as u:
            return u.session.scalar(select(func.count()).select_from(Person).where(Person.email == f"eve@{D}")) or 0

    with pytest.raises(InvalidInput):  # a name copflow refuses: no person either
        members.add_member(UnitOfWork(db_url), slug="data-insight", email=f"eve@{D}", role="core", now=at(DAY),
                          policy=P, name="Eve <i>Stone</i>", acting=OD)
    with pytest.raises(NotFound):  # no such CoP
        members.add_member(UnitOfWork(db_url), slug="no-such-cop", email=f"eve@{D}", role="core", now=at(DAY),
                          policy=P, name="Eve Stone", acting=OD)
    assert people_named_eve() == 0
    members.add_member(UnitOfWork(db_url), slug="data-insight", email=f"eve@{D}", role="core", now=at(DAY), policy=P,
                      name="Eve Stone", acting=OD)
    assert people_named_eve() == 1
    with UnitOfWork(db_url) as u:
        roles = [m.role for m in u.session.scalars(select(Membership).join(Person).where(Person.email == f"eve@{D}"))]
    assert roles == ["core"]
