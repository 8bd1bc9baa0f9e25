"""Who may grant what (lifecycle.grants), tried as a hostile lead would: every (actor, target role, change) through
the real `copflow web` (its own process) and the real `copflow` CLI, on SQLite and PostgreSQL. The web's roster form
only offers the lead's roles; these tests post what the form does not offer, as an attacker would."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from copflow.db.models import AuditEntry, Membership, Person
from copflow.db.uow import UnitOfWork
from copflow.services.evaluation.review_report import evaluate_cop
from copflow.services.links.signed import issue
from copflow.services.mail.delivery import deliver_with_settings
from copflow.services.people.members import add_member, add_person
from copflow.settings import load_settings
from lifecycle import Role
from lifecycle.grants import Actor, RosterChange, may
from tests.acting import OD
from tests.e2e.webapp import Server, settings_for_site, text_of, web_server
from tests.integration.helpers import D, P, at
from tests.integration.test_closure import under_review
from tests.integration.test_evaluation import EVAL_DAY, evidence

NOW = at(EVAL_DAY)
EXE = str(Path(sys.executable).with_name("copflow"))


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """data-insight under review (coordinator ann, lead bob, sponsor dir, OD manager's contact odm), its
    evidence in, not yet evaluated; the web app up."""
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    under_review(db_url)
    evidence(db_url, tmp_path)
    with web_server(tmp_path, db_url, port, NOW) as server:
        yield server


class Lead:
    """A lead's browser-less client: the CoP page for the CSRF token, then the roster form's POST."""

    def __init__(self, site: Server, db_url: str, email: str) -> None:
        self.page = issue(UnitOfWork(db_url), slug="data-insight", email=email, purpose="cop", now=NOW, policy=P,
                          web_url=site.url)
        self.http = httpx.Client(timeout=30)

    def post(self, form: dict[str, str]) -> httpx.Response:
        got = self.http.get(self.page)
        assert got.status_code == 200, got.text[:500]
        [csrf] = re.findall(r'name="csrf" value="([^"]+)"', got.text)[:1]
        return self.http.post(f"{self.page}/members", data={"csrf": csrf, **form})


def holds(db_url: str, email: str, role: Role) -> bool:
    with UnitOfWork(db_url) as u:
        return bool(u.session.scalar(select(func.count()).select_from(Membership).join(Person).where(
            Person.email == email, Membership.role == role.value, Membership.left_on.is_(None))))


def refusals(db_url: str) -> list[AuditEntry]:
    with UnitOfWork(db_url) as u:
        return list(u.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def cli(db_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPFLOW_")}
    env.update({"COPFLOW_DATABASE_URL": db_url, "COPFLOW_HOME": str(tmp_path / "cli"),
                "COPFLOW_NOW": NOW.isoformat(), "COPFLOW_USER": f"odm@{D}",
                "COPFLOW_MAILDIR": str(tmp_path / "cli-maildir")})
    return subprocess.run([EXE, *args], env=env, capture_output=True, text=True, timeout=120)


def test_every_actor_target_role_and_change_follows_the_table(site: Server, db_url: str, tmp_path: Path) -> None:
    """Each role granted and removed by a lead's link (as coordinator and as lead) and by the OD manager's CLI:
    allowed where the table allows, else refused beside the role with nothing written and the refusal audited."""
    leads = {"coordinator": Lead(site, db_url, f"ann@{D}"), "lead": Lead(site, db_url, f"bob@{D}")}
    tried = 0
    for role in Role:
        for who, lead in leads.items():
            target = f"{who}-{role.value}@{D}".replace("_", "-")
            before = len(refusals(db_url))
            r = lead.post({"email": target, "name": "Sam Target", "role": role.value})
            allowed = may(Actor.LEAD_BY_LINK, RosterChange.GRANT, role)
            assert (r.status_code == 200) is allowed, (who, role, r.status_code)
            assert holds(db_url, target, role) is allowed, (who, role)
            if not allowed:
                assert "Only the OD manager can add" in r.text and 'aria-invalid="true"' in r.text
                [entry] = refusals(db_url)[before:]
                assert (entry.actor, entry.by, entry.action, entry.role, entry.subject, entry.outcome) == (
                    "lead_by_link", lead_email(who), "grant", role.value, target, "refused")
                add_member(UnitOfWork(db_url), slug="data-insight", email=target, role=role.value, now=NOW,
                           policy=P, acting=OD, name="Sam Target")  # so that its removal can be tried
            before = len(refusals(db_url))
            r = lead.post({"action": "leave", "email": target})
            allowed = may(Actor.LEAD_BY_LINK, RosterChange.REMOVE, role)
            assert (r.status_code == 200) is allowed, (who, role, "leave", r.status_code)
            assert holds(db_url, target, role) is not allowed
            assert len(refusals(db_url)) == before + (0 if allowed else 1)
            tried += 2
        # The OD manager's CLI may do everything the table gives it.
        target = f"od-{role.value}@{D}".replace("_", "-")
        add_person(UnitOfWork(db_url), email=target, name="Olu Target", now=NOW)
        added = cli(db_url, tmp_path, "member", "add", "data-insight", target, "--role", role.value)
        assert added.returncode == 0 and holds(db_url, target, role), added.stderr
        left = cli(db_url, tmp_path, "member", "leave", "data-insight", target)
        assert left.returncode == 0 and not holds(db_url, target, role), left.stderr
        tried += 2
    assert tried == len(Role) * 6
    assert all(may(Actor.OD_MANAGER, change, role) for change in RosterChange for role in Role)


def lead_email(who: str) -> str:
    return f"ann@{D}" if who == "coordinator" else f"bob@{D}"


def test_a_lead_cannot_hand_the_review_decision_to_an_accomplice(site: Server, db_url: str, tmp_path: Path) -> None:
    """The break as it was found: a lead adds an address they control as the OD manager's contact and removes the
    real one, then the evaluation mail with its decision link goes to the accomplice. Both posts are refused, and
    the decision link reaches the real OD manager's contact alone."""
    lead = Lead(site, db_url, f"bob@{D}")
    accomplice = "mallory@evil.example.org"
    grant = lead.post({"email": accomplice, "name": "Mallory Smith", "role": "od_manager_contact"})
    assert grant.status_code == 422 and "Only the OD manager can add an OD manager" in grant.text
    with UnitOfWork(db_url) as u:  # the newcomer named on the refused form was not added either
        assert u.session.scalar(select(Person.id).where(Person.email == accomplice)) is None
    drop = lead.post({"action": "leave", "email": f"odm@{D}"})
    assert drop.status_code == 422 and "Only the OD manager can remove an OD manager" in drop.text
    sponsor = lead.post({"action": "leave", "email": f"dir@{D}"})
    assert sponsor.status_code == 422 and "Only the OD manager can remove a sponsor" in sponsor.text
    assert holds(db_url, f"odm@{D}", Role.OD_MANAGER_CONTACT) and holds(db_url, f"dir@{D}", Role.SPONSOR)
    assert [e.role for e in refusals(db_url)] == ["od_manager_contact", "od_manager_contact", "sponsor"]

    evaluate_cop(UnitOfWork(db_url), slug="data-insight", now=NOW, policy=P, reports_dir=tmp_path / "reports",
                 od_manager=f"odm@{D}")
    deliver_with_settings(load_settings(), now=NOW)
    with_decision_link = [str(m["To"]) for m in site.mails() if f"{site.url}/d/" in text_of(m)]
    assert with_decision_link and all(to.endswith(f"<odm@{D}>") for to in with_decision_link), with_decision_link
