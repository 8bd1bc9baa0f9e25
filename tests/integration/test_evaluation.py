"""The review's evaluation on SQLite and PostgreSQL: hand-built records, known answers, one report per review,
people told once, the decision standing on the report, and everything in the closure archive."""

from __future__ import annotations

import json
import zipfile
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select

from copflow.db.models import Document, GateEvidence, Notification, TransitionRecord
from copflow.db.uow import UnitOfWork
from copflow.services.activities import list_activities, log_activity
from copflow.services.archiving import close_cop
from copflow.services.evaluation.review_report import due_evaluations, evaluate_cop
from copflow.services.imports.survey import import_survey
from copflow.services.mail.delivery import deliver
from copflow.services.reviews.decide import decide_review
from lifecycle.practice import BENCHMARK_STATEMENTS
from notifications.transports import SmtpTransport
from tests.integration.helpers import D, P, at
from tests.integration.test_closure import REVIEW_DAY, under_review

# The review opens on Monday 2 March 2026; its 21-day window ends on Sunday 22 March, so the survey closes on the
# next working day, Monday 23 March (the day the call names), and the review is evaluated on Tuesday 24 March.
EVAL_DAY = REVIEW_DAY + P.survey_window_days + 1


def evidence(url: str, tmp_path: Path) -> None:
    u = UnitOfWork(url)

    def log(kind: str, title: str, day: date, *who: str) -> None:
        log_activity(u, slug="data-insight", kind=kind, title=title, held_on=day, by=f"odm@{D}",
                     now=at(EVAL_DAY - 1), policy=P, attendees=tuple(f"{w}@{D}" for w in who))

    log("lunch_and_learn", "Pivot tables", date(2025, 5, 8), "ann", "bob")
    log("lunch_and_learn", "Power BI", date(2025, 9, 11), "ann", "bob", "cat")
    log("seminar", "Data week", date(2025, 11, 20), "cat")
    log("blog", "What we learnt", date(2025, 12, 1))
    for month in (5, 6, 7):
        log("check_in", f"Check-in {month}", date(2025, month, 2))
    book = Workbook()
    sheet = book.active
    sheet.append(["ID", "Completion time", "Email", "connections", "skills"])
    for i, (a, b) in enumerate([("Strongly agree", "Agree"), ("Agree", "Agree"),
                                ("Neither agree nor disagree", "Disagree"), ("Disagree", None)], 1):
        sheet.append([i, at(REVIEW_DAY + 3).replace(tzinfo=None), "anonymous", a, b])
    book.save(tmp_path / "survey.xlsx")
    import_survey(u, tmp_path / "survey.xlsx", slug="data-insight", survey="review 2026", now=at(EVAL_DAY - 1),
                  policy=P)


def test_metrics_on_hand_built_records(db_url, tmp_path):
    under_review(db_url)
    evidence(db_url, tmp_path)
    u = UnitOfWork(db_url)
    assert due_evaluations(u, now=at(EVAL_DAY - 1), policy=P) == []  # the survey is still open
    assert due_evaluations(u, now=at(EVAL_DAY), policy=P) == ["data-insight"]
    out = evaluate_cop(u, slug="data-insight", now=at(EVAL_DAY), policy=P, reports_dir=tmp_path / "reports")
    ev = out.evaluation
    assert (ev.start, ev.end) == (date(2025, 4, 4), date(2026, 3, 24))  # since the launch
    assert (ev.core_members, ev.wider_members, ev.supporting, ev.joiners, ev.leavers) == (3, 0, 2, 0, 0)
    assert ev.core_departments == ("Estates", "Finance", "Library") and ev.core_line_managers == 3
    assert (ev.events_held, ev.attendances, ev.unique_attendees) == (3, 6, 3)
    assert ev.attendance_rate == round(100 * 6 / 3 / 3, 1)
    assert (ev.checkins_held, ev.checkins_expected) == (3, 11)
    assert ev.outputs == {"blog": 1}
    assert [(t.text, t.needed, t.done, t.met) for t in ev.targets] == [("1 seminar", 1, 1, True),
                                                                      ("2 blog posts", 2, 1, False)]
    assert [(s.key, s.responses, s.agree_pct, s.benchmark) for s in ev.statements] == [
        ("connections", 4, 50.0, 92), ("skills", 3, 66.7, 84)]
    assert ev.respondents == 4
    assert ev.recommendation.decision == "evolve"
    assert any("check-ins held of 11 expected" in r for r in ev.recommendation.reasons)
    assert out.html_path and out.html_path.read_text(encoding="utf-8").count("<svg") == 3
    assert out.markdown_path and "## Recommendation: evolve" in out.markdown_path.read_text(encoding="utf-8")
    assert out.messages_queued == 4  # two leads, the sponsor, the OD manager contact


def test_one_report_per_review_and_people_told_once(db_url, tmp_path):
    under_review(db_url)
    evidence(db_url, tmp_path)
    for _ in range(2):
        out = evaluate_cop(UnitOfWork(db_url), slug="data-insight", now=at(EVAL_DAY), policy=P, reports_dir=None)
    assert out.messages_queued == 0 and out.html_path is None
    with UnitOfWork(db_url) as u:
        kinds = sorted(u.session.scalars(select(Document.kind)))
        sent = u.session.scalar(select(func.count()).select_from(Notification)
                                .where(Notification.kind == "evaluation_ready"))
        mail = u.session.scalars(select(Notification).where(Notification.kind == "evaluation_ready")).first()
    assert kinds == ["evaluation", "evaluation_html", "evaluation_json"] and sent == 4
    assert 'It recommends "evolve"' in mail.body_text and "2 blog posts" not in mail.subject
    assert "Weaknesses:" in mail.body_text and "check-ins held of 11 expected" in mail.body_text
    assert "decides by Monday 13 April 2026" in mail.body_text  # opened 2 March + the policy's 6 weeks
    assert due_evaluations(UnitOfWork(db_url), now=at(EVAL_DAY + 1), policy=P) == []


def test_the_report_mail_reaches_the_smtp_server_with_the_report_attached(db_url, tmp_path, smtp):
    under_review(db_url)
    evidence(db_url, tmp_path)
    evaluate_cop(UnitOfWork(db_url), slug="data-insight", now=at(EVAL_DAY), policy=P, reports_dir=tmp_path / "r")
    report = deliver(UnitOfWork(db_url), SmtpTransport("127.0.0.1", smtp.port), sender="cop <cop@x.org>",
                     now=at(EVAL_DAY))
    assert report.sent >= 4 and report.parked == report.retried == 0  # the review's earlier mail went too
    with UnitOfWork(db_url) as u:
        html = u.session.scalar(select(Document.content).where(Document.kind == "evaluation_html"))
    reports = [got.message for got in smtp.received if "/evaluation/" in got.message["X-Copflow-Key"]]
    assert len(reports) == 4
    for msg in reports:
        assert msg.get_content_type() == "multipart/mixed"
        [attached] = list(msg.iter_attachments())
        # A PDF every mail client opens (an .html attachment is quarantined by many filters).
        assert attached.get_filename() == "data-insight-review-2026-03-24.pdf"
        assert attached.get_content_type() == "application/pdf" and attached.get_content().startswith(b"%PDF")
        assert "<svg" in html  # the same report, with its charts, that the PDF was printed from
        text = msg.get_body(("plain",)).get_content()
        assert "attached as a PDF (data-insight-review-2026-03-24.pdf)" in text and "file://" not in text
        assert msg.get_body(("html",)) is not None


def test_the_decision_stands_on_the_report_and_says_when_it_differs(db_url, tmp_path):
    under_review(db_url)
    evidence(db_url, tmp_path)
    decide_review(UnitOfWork(db_url), slug="data-insight", decision="pass", decided_by=f"odm@{D}",
                  reason="new leads are taking it on", now=at(EVAL_DAY + 2), policy=P, reports_dir=tmp_path / "r")
    with UnitOfWork(db_url) as u:
        passed = u.session.scalars(select(GateEvidence).where(GateEvidence.gate == "review_passed")).one()
        t = u.session.scalars(select(TransitionRecord).where(TransitionRecord.to_stage == "active")
                              .order_by(TransitionRecord.id.desc())).first()
        reports = list(u.session.scalars(select(Document).where(Document.kind == "evaluation")))
    assert passed.payload["evaluation_done"] is True
    assert t.reason == "new leads are taking it on (the evaluation recommended evolve)"
    assert len(reports) == 1 and (tmp_path / "r" / "data-insight").is_dir()
    logged = list_activities(UnitOfWork(db_url), slug="data-insight")
    assert [(a.title, a.attendees) for a in logged[:3]] == [("Check-in 5", 0), ("Pivot tables", 2), ("Check-in 6", 0)]


def test_the_closure_archive_keeps_activities_survey_and_reports(db_url, tmp_path):
    under_review(db_url)
    evidence(db_url, tmp_path)
    closes = at(EVAL_DAY).date() + timedelta(weeks=5)
    decide_review(UnitOfWork(db_url), slug="data-insight", decision="close", decided_by=f"odm@{D}",
                  reason="aims met, as the review found", now=at(EVAL_DAY), policy=P, closing_date=closes)
    day = EVAL_DAY + 35
    result = close_cop(UnitOfWork(db_url), slug="data-insight", now=at(day), policy=P, archive_dir=tmp_path / "a")
    with zipfile.ZipFile(result.path) as z:
        names = set(z.namelist())
        activities = json.loads(z.read("activities.json"))
        survey = json.loads(z.read("survey.json"))
        lessons = z.read(next(n for n in z.namelist() if n.endswith("lessons_learned.md"))).decode()
    assert {n for n in names if n.startswith("documents/")} >= {"documents/0001-evaluation.md",
                                                                "documents/0002-evaluation.html",
                                                                "documents/0003-evaluation.json"}
    assert len(activities) == 7 and activities[0]["title"] == "Check-in 5"
    power_bi = next(a for a in activities if a["title"] == "Power BI")
    assert len(power_bi["attendees"]) == 3 and all(a.startswith("member-") for a in power_bi["attendees"])
    assert len(survey) == 7
    # The lessons-learned draft tallies each target over the CoP's life and lists its outputs.
    assert "| 1 seminar (annual target) | 1 recorded in all |" in lessons
    assert "| 1 December 2025 | blog | What we learnt |  |" in lessons and "3 check in" in lessons
    assert {s["statement"] for s in survey} == {BENCHMARK_STATEMENTS[0].text, BENCHMARK_STATEMENTS[2].text}


def test_the_review_call_carries_the_survey_link(db_url):
    from dataclasses import replace

    from copflow.db.models import Cop
    from copflow.services.sweep.due_work import sweep_batch
    from tests.integration.helpers import to_active

    to_active(db_url)
    with UnitOfWork(db_url) as u:
        cop_id = u.session.scalar(select(Cop.id))
    policy = replace(P, survey_url="https://forms.example.org/r/AbC?cop={slug}")
    sweep_batch(UnitOfWork(db_url), [cop_id], now=at(REVIEW_DAY), policy=policy)
    with UnitOfWork(db_url) as u:
        calls = list(u.session.scalars(select(Notification).where(Notification.kind == "review_opened")))
    assert len(calls) == 4  # every member: two leads, the core member, the sponsor
    assert all("https://forms.example.org/r/AbC?cop=data-insight" in n.body_text for n in calls)
    assert all('href="https://forms.example.org/r/AbC?cop=data-insight"' in (n.body_html or "") for n in calls)
