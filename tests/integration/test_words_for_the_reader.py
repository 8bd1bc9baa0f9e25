"""Words right for each reader (issue 29, "Words that are wrong for the reader"): an invitation names its reader's
role in the CoP, the closing notice tells of cancelled meetings only those who had them, and the leads are never
handed copflow's own next step (the closure archive)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.services.meetings.series import schedule_on
from copflow.services.people import members
from copflow.services.reviews.decide import decide_review
from copflow.services.snapshots import get_cop
from tests.acting import OD
from tests.integration.helpers import D, P, at, to_active
from tests.integration.test_closure import REVIEW_DAY, under_review


def _mail(url: str, kind: str, saying: str = "") -> dict[str, str]:
    """Each recipient's first message of `kind` (with `saying` in its text)."""
    with UnitOfWork(url) as u:
        rows = u.session.execute(select(Notification.recipient, Notification.body_text)
                                 .where(Notification.kind == kind).order_by(Notification.id)).all()
    out: dict[str, str] = {}
    for to, text in rows:
        if saying in text:
            out.setdefault(to, text)
    return out


def _as_whom(text: str) -> str:
    found = re.search(r"to you as (.+?)\.\n", " ".join(text.split(" ")))
    assert found, text
    return found.group(1)


def closing(url: str, *, joiner: bool = False) -> None:
    under_review(url)
    if joiner:  # Eve joins after the launch: no meeting of hers is live
        members.add_member(UnitOfWork(url), slug="data-insight", email=f"eve@{D}", role="wider", name="Eve Fox",
                           now=at(REVIEW_DAY), policy=P, acting=OD)
    decide_review(UnitOfWork(url), slug="data-insight", decision="close", decided_by=f"odm@{D}",
                  reason="it achieved its aims", now=at(REVIEW_DAY + 1), policy=P,
                  closing_date=at(REVIEW_DAY + 1).date() + timedelta(weeks=5))


def test_an_invitation_names_its_reader_by_their_role_in_the_cop(db_url):
    to_active(db_url)
    members.add_member(UnitOfWork(db_url), slug="data-insight", email=f"eve@{D}", role="wider", name="Eve Fox",
                       now=at(100), policy=P, acting=OD)
    with UnitOfWork(db_url) as u:  # a meeting everyone attends: the wider member is invited too
        schedule_on(u.session, get_cop(u.session, "data-insight"), "closing", at(120).date(), now=at(100), policy=P)
        u.commit()
    invited = {to: _as_whom(text) for to, text in _mail(db_url, "invitation").items()}
    assert invited == {f"ann@{D}": "its coordinator", f"bob@{D}": "its lead", f"cat@{D}": "its core group member",
                       f"dir@{D}": "its sponsor", f"odm@{D}": "its OD manager", f"eve@{D}": "its member"}


def test_only_people_who_had_its_meetings_are_told_they_are_cancelled(db_url):
    closing(db_url, joiner=True)
    notices = _mail(db_url, "closing_notice")
    said = "Its meetings have been cancelled in your calendar."
    assert said not in notices[f"eve@{D}"]
    for had_them in ("ann", "bob", "cat", "dir", "odm"):  # check-ins, catch-ups, the review meeting
        assert said in notices[f"{had_them}@{D}"], had_them


def test_the_leads_are_not_handed_the_closure_archive(db_url):
    closing(db_url)
    moved_on = _mail(db_url, "stage_changed", "to the closing stage")
    for lead in ("ann", "bob"):
        text = moved_on[f"{lead}@{D}"]
        assert "the closure archive" not in text and "Next:" not in text
        assert "the CoP programme then archives its record, with nothing for you to do for that" in text
    # Their CoP page says the same: when it closes, not a step of theirs.
    from copflow.services.links.signed import Grant
    from copflow.web.views.lead_pages import cop_page

    grant = Grant(0, f"ann@{D}", "cop", "data-insight", None, None, at(REVIEW_DAY + 30))
    page = cop_page(UnitOfWork(db_url), grant, now=at(REVIEW_DAY + 2), policy=P)
    assert page["archived_by_copflow"] is True and page["next_gate"] == "the closure archive"


def _swept_on_the_closing_day(url: str, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A CoP archived and closed by the day's sweep (the services' steps, as the flow runs them): its outcome and
    the sweep's artifact, with a hub address for the links."""
    from copflow.services.sweep.step_calls import ServiceSteps
    from copflow.services.sweep.steps import run_sweep
    from copflow.settings import load_settings
    from notifications.sweep_summary import sweep_markdown
    from tests.integration.test_closure import CLOSING_DAY

    for key, value in {"COPFLOW_DATABASE_URL": url, "COPFLOW_ARCHIVE_DIR": str(tmp_path / "archives"),
                       "COPFLOW_MAILDIR": str(tmp_path / "maildir"), "COPFLOW_REPORTS_DIR": str(tmp_path / "reports"),
                       "COPFLOW_OD_MANAGER_EMAIL": f"odm@{D}"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("COPFLOW_SMTP_HOST", raising=False)
    closing(url)
    steps = ServiceSteps(load_settings())
    outcome = run_sweep(steps, at(CLOSING_DAY))
    summary = outcome.summary()
    markdown = sweep_markdown(at(CLOSING_DAY).isoformat(), summary, [], asdict(outcome.digest),
                              asdict(outcome.delivery), web_url="https://cops.uni.example.org")
    return steps, outcome, markdown, at(CLOSING_DAY)


def test_the_sweep_and_the_attention_artifact_count_the_same_cops(db_url, tmp_path, monkeypatch):
    steps, outcome, markdown, now = _swept_on_the_closing_day(db_url, tmp_path, monkeypatch)
    listed = len(steps.attention_rows(now)[0])
    # The plan saw the closing CoP as due; once archived it needs nobody's attention, and neither artifact says so.
    assert outcome.plan.cops == 1 and listed == 0
    assert f"| CoPs with something due soon or overdue | {listed} |" in markdown.splitlines()


def test_a_closed_cop_links_to_its_closure_record_not_to_the_hub(db_url, tmp_path, monkeypatch):
    _, _, markdown, _ = _swept_on_the_closing_day(db_url, tmp_path, monkeypatch)
    [archived] = [line for line in markdown.splitlines() if "copflow-closure-data-insight" in line]
    assert archived.startswith("- Data and Insight · [closure record](/v2/artifacts/key/copflow-closure-data-insight)")
    assert "#cop-data-insight" not in markdown  # the hub lists open CoPs only


def test_the_closure_record_is_titled_by_the_cops_name(db_url, tmp_path, monkeypatch):
    from notifications.archive import read_member
    from notifications.sweep_summary import closure_markdown

    _, outcome, _, _ = _swept_on_the_closing_day(db_url, tmp_path, monkeypatch)
    [closed] = outcome.closures
    manifest = json.loads(read_member(Path(closed.path), "manifest.json"))
    record = closure_markdown(closed.name, closed.path, closed.manifest_sha256, manifest)
    assert closed.name == "Data and Insight"
    assert record.splitlines()[0] == "# Data and Insight closed and archived"
    assert "| transitions.json |" in record


def test_the_evidence_page_names_people_as_the_decision_page_does(db_url):
    from copflow.services.links.signed import Grant
    from copflow.web.views.lead_pages import evidence_page, submit_evidence
    from tests.integration.helpers import proposed

    proposed(db_url)
    grant = Grant(0, f"ann@{D}", "evidence", "data-insight", "core_group_formed", 1, at(40))
    done = submit_evidence(UnitOfWork(db_url), grant, None, {"domain": "Data and insight", "formed_on": "2025-01-15"},
                           now=at(10), policy=P, od_manager=f"odm@{D}")
    again = evidence_page(UnitOfWork(db_url), grant, None, now=at(11), policy=P)
    for page in (done.page, again):  # just recorded, and opened again later
        assert page.passed and page.recorded_by == page.holder == f"Ann Lee (ann@{D})"


def test_a_join_request_to_the_leads_replies_to_the_person_asking(db_url, smtp):
    import pytest

    from copflow.services.mail.delivery import deliver
    from copflow.web.views.hub import JoinRefused, request_to_join
    from notifications.transports import SmtpTransport
    from tests.integration.helpers import to_planning

    to_planning(db_url)
    with pytest.raises(JoinRefused) as refused:  # the address a reply would go to is checked first: nothing queued
        request_to_join(UnitOfWork(db_url), slug="data-insight", name="Eve Fox", email="eve@x.org\nBcc: all@x.org",
                        message="", now=at(20), policy=P)
    assert set(refused.value.problems) == {"email"}
    request_to_join(UnitOfWork(db_url), slug="data-insight", name="Eve Fox", email=f"eve@{D}",
                    message="I run our reporting team.", now=at(20), policy=P)
    before = len(smtp.received)
    deliver(UnitOfWork(db_url), SmtpTransport("127.0.0.1", smtp.port), sender="CoP programme <cop@uni.example.org>",
            now=at(20), reply_to="cop-programme@uni.example.org")
    asked = [m.message for m in smtp.received[before:] if "would like to join" in str(m.message["Subject"])]
    assert sorted(str(m["To"]) for m in asked) == [f"Ann Lee <ann@{D}>", f"Bob Kay <bob@{D}>"]
    for m in asked:
        assert m.get_all("Reply-To") == [f"Eve Fox <eve@{D}>"]
        assert "A reply to this message goes to Eve Fox, not to the CoP programme team." in m.get_body(
            ("plain",)).get_content()
    # Every other message still answers to the programme.
    others = [m.message for m in smtp.received[before:] if m.message not in asked]
    assert others and all(m["Reply-To"] == "cop-programme@uni.example.org" for m in others)


def test_erasing_the_person_who_asked_takes_their_address_from_the_reply_to(db_url):
    from copflow.services.privacy.erasure import erase_person
    from copflow.web.views.hub import request_to_join
    from tests.integration.helpers import to_planning

    to_planning(db_url)
    request_to_join(UnitOfWork(db_url), slug="data-insight", name="Eve Fox", email=f"eve@{D}", message="",
                    now=at(20), policy=P)
    members.add_person(UnitOfWork(db_url), email=f"eve@{D}", name="Eve Fox", department="Finance", now=at(21))

    def replies() -> list[str | None]:
        with UnitOfWork(db_url) as u:
            return list(u.session.scalars(select(Notification.reply_to).where(Notification.kind == "join_request")))

    assert replies() == [f"Eve Fox <eve@{D}>"] * 2
    erase_person(UnitOfWork(db_url), email=f"eve@{D}", by=f"odm@{D}", now=at(22), policy=P)
    assert replies() == [None, None]
