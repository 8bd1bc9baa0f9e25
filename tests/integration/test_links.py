"""Signed links: random tokens stored only as hashes, bound to person + CoP + purpose (+ gate), expiring, revocable;
every reminder to a lead carries one, a sponsor's escalation does not."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from copflow.db.models import Link, Notification
from copflow.db.uow import UnitOfWork
from copflow.services.links import signed as links
from copflow.services.sweep.due_work import due_cop_batches, sweep_batch
from lifecycle import Policy
from tests.integration.helpers import D, P, at, to_launching

BASE = "https://cops.uni.example.org"


@pytest.fixture(autouse=True)
def web_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPFLOW_WEB_URL", BASE)


def sweep(url: str, day: int) -> None:
    for batch in due_cop_batches(UnitOfWork(url), now=at(day), policy=P):
        sweep_batch(UnitOfWork(url), batch, now=at(day), policy=P, od_manager=f"odm@{D}")


def test_a_token_has_192_random_bits_and_only_its_hash_is_stored(db_url):
    to_launching(db_url)
    url = links.issue(UnitOfWork(db_url), slug="data-insight", email=f"Ann@{D}", purpose="evidence",
                      gate="launch_held", now=at(61), policy=P)
    token = links.token_of(url)
    assert url == f"{BASE}/e/{token}" and len(base64.urlsafe_b64decode(token + "==")) * 8 >= 128
    with UnitOfWork(db_url) as u:
        [row] = u.session.scalars(select(Link)).all()
        stored = " ".join(str(v) for v in row.__dict__.values())
    assert token not in stored and row.token_hash == links.token_hash(token)
    assert (row.email, row.purpose, row.gate, row.stage_visit) == (f"ann@{D}", "evidence", "launch_held", 3)
    assert row.expires_at == at(61) + timedelta(days=30)
    grant = links.resolve(UnitOfWork(db_url), token, now=at(90), purpose="evidence")
    assert (grant.email, grant.cop_slug, grant.gate) == (f"ann@{D}", "data-insight", "launch_held")
    with pytest.raises(links.LinkExpired):
        links.resolve(UnitOfWork(db_url), token, now=at(91), purpose="evidence")
    with pytest.raises(links.LinkNotFound):
        links.resolve(UnitOfWork(db_url), token, now=at(62), purpose="cop")  # other purpose: not found


def test_the_policy_sets_how_long_a_link_lasts(db_url):
    to_launching(db_url)
    url = links.issue(UnitOfWork(db_url), slug="data-insight", email=f"ann@{D}", purpose="cop", now=at(61),
                      policy=Policy(link_days=2))
    with pytest.raises(links.LinkExpired):
        links.resolve(UnitOfWork(db_url), links.token_of(url), now=at(63), purpose="cop")


def test_revoke_one_link_or_every_link_of_a_cop(db_url):
    to_launching(db_url)
    made = [links.issue(UnitOfWork(db_url), slug="data-insight", email=f"{w}@{D}", purpose="cop", now=at(61),
                        policy=P) for w in ("ann", "bob", "bob")]
    assert links.revoke(UnitOfWork(db_url), now=at(62), link=made[0]) == 1
    with pytest.raises(links.LinkNotFound):
        links.resolve(UnitOfWork(db_url), links.token_of(made[0]), now=at(62), purpose="cop")
    assert links.revoke(UnitOfWork(db_url), now=at(62), slug="data-insight", email=f"bob@{D}") == 2
    assert links.revoke(UnitOfWork(db_url), now=at(62), slug="data-insight") == 0


def test_reminders_to_leads_and_the_od_manager_carry_a_form_link_a_sponsors_does_not(db_url):
    to_launching(db_url)  # launch held due at day 116
    sweep(db_url, 110)  # 7-day reminder to the leads
    sweep(db_url, 110)  # again the same day: no second message, no second link
    sweep(db_url, 123)  # 7 days overdue: the leads' overdue rung (no sweep ran on day 117) and the sponsor
    sweep(db_url, 130)  # 14 days overdue: the OD manager, who reads it in the sweep's digest (issue 14), not a mail
    with UnitOfWork(db_url) as u:
        rows = u.session.scalars(select(Notification).where(Notification.kind == "gate_reminder")
                                 .order_by(Notification.id)).all()
        made = u.session.scalars(select(Link)).all()
    by = {r.recipient: r for r in rows}
    assert set(by) == {f"ann@{D}", f"bob@{D}", f"dir@{D}"}
    for lead in (f"ann@{D}", f"bob@{D}"):
        [url] = re.findall(re.escape(BASE) + r"/e/\S+", by[lead].body_text)
        assert f'href="{url}"' in (by[lead].body_html or "")
        assert "copflow gate record" not in by[lead].body_text
    assert "/e/" not in by[f"dir@{D}"].body_text
    # One link per reminder a lead got (the 7-day one and the overdue one), none for the sponsor's or the re-run's.
    assert sorted(m.email for m in made) == sorted([f"ann@{D}", f"bob@{D}"] * 2)
    assert {m.gate for m in made} == {"launch_held"}
