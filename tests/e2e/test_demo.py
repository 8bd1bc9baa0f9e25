"""`copflow demo` end to end, twice (it must be re-runnable), as a user runs it."""

from __future__ import annotations

import mailbox
import os
import re
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from notifications.vocabulary import long_date
from tests.wording import problems, readable_parts

EXE = str(Path(sys.executable).with_name("copflow"))


# Days the demo's story lands awkwardly (its steps are "days before today"): it must tell the same story on each.
AWKWARD_DAYS = {
    "a Sunday": "2026-12-06T10:00:00+00:00",
    "the day before a bank holiday": "2026-12-24T10:00:00+00:00",
    "31 December": "2026-12-31T16:30:00+00:00",
    "the day the clocks go back": "2026-10-25T10:00:00+00:00",
}


def _demo(folder: Path, now: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPFLOW_", "PREFECT_API"))}
    if now:
        env["COPFLOW_NOW"] = now
    r = subprocess.run([EXE, "demo", "--folder", str(folder)], env=env, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Portfolio (6 CoPs)" in r.stdout
    return r.stdout


@pytest.mark.slow
def test_demo_runs_twice_and_shows_the_portfolio(tmp_path):
    """On the real today, twice: a re-run starts the copflow record afresh."""
    folder = tmp_path / "demo"
    _demo(folder)
    _check_demo(folder, _demo(folder))


@pytest.mark.slow
@pytest.mark.parametrize("now", list(AWKWARD_DAYS.values()), ids=list(AWKWARD_DAYS))
def test_demo_tells_its_story_on_any_day(tmp_path, now):
    """COPFLOW_NOW pins the demo's today: the suite passes whatever the calendar says."""
    folder = tmp_path / "demo"
    out = _demo(folder, now)
    # Its next check-in is diarised on a working day after that day, whatever day it is.
    [when] = re.findall(r"check-in on (\w+ \d+ \w+ \d{4}) has its action plan", out)
    held = datetime.strptime(when, "%A %d %B %Y").date()
    today = datetime.fromisoformat(now).date()
    assert today < held <= today + timedelta(days=14) and held.weekday() < 5, (now, when)
    _check_demo(folder, out)


def _check_demo(folder: Path, out: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPFLOW_", "PREFECT_API"))}
    assert f"Database:  {folder / 'copflow.db'}" in out and "Prefect:   run records in" in out
    for slug, stage in (("data-insight", "active"), ("events-management", "review"), ("research-it", "planning"),
                        ("hr-recruitment", "launching"), ("digital-communications", "forming"),
                        ("facilities-management", "closed")):
        assert re.search(rf"{slug}\s+│ {stage}", out), (slug, stage)
    con = sqlite3.connect(folder / "copflow.db")
    assert con.execute("select count(*) from cop").fetchone()[0] == 6  # re-run started afresh
    # One CoP closed into a verified archive, and `copflow archive verify` agrees.
    [archive] = (folder / "archives").glob("facilities-management-*.zip")
    assert f"Archive:   {archive}" in out
    check = subprocess.run([EXE, "archive", "verify", str(archive)], env=env, capture_output=True, text=True)
    # 16: metadata, charters, evidence, transitions, roster, messages, meetings, 2 calendars, activities, survey,
    # the action plan, its evaluation report (Markdown, HTML and the JSON both are made from) from the close
    # decision, the lessons learned (its draft in Markdown and its JSON, and the report its coordinator sent back
    # by mail), the manifest
    assert check.returncode == 0 and "OK, 19 files match the manifest" in check.stdout
    # Events Management's review is evaluated from the imported files, and the demo says where the report is.
    [report] = (folder / "reports" / "events-management").glob("review-*.html")
    assert f"Report:    {report}" in out and report.with_suffix(".md").is_file()
    assert report.read_text(encoding="utf-8").count("<svg") == 3
    assert "Imported:  " in out and (folder / "imports" / "survey.xlsx").is_file()
    assert con.execute("select count(*) from survey_answer").fetchone()[0] == 120  # 12 responses × 10 statements
    # Everyone addressed is reached: every member of Events Management (its wider members came with the people
    # extract before the review opened) got the review's survey call.
    members = {e for (e,) in con.execute(
        "select p.email from membership m join person p on p.id = m.person_id join cop c on c.id = m.cop_id "
        "where c.slug = 'events-management' and m.left_on is null "
        "and m.role in ('lead', 'coordinator', 'core', 'wider', 'sponsor')")}
    asked = {e for (e,) in con.execute(
        "select n.recipient from notification n join cop c on c.id = n.cop_id "
        "where c.slug = 'events-management' and n.kind = 'review_opened'")}
    assert len(members) > 10 and members <= asked, members - asked
    assert con.execute("select count(*) from notification where status not in ('sent', 'bounced')").fetchone()[0] == 0
    # Isla Murray left: the last mail to her bounced (read back from the demo's mailbox), so the sweep reminds
    # Research IT's other lead only, and the digest lists her address; Facilities Management's lessons came back.
    assert con.execute("select recipient from notification where status = 'bounced'").fetchall() == [
        ("isla.murray@uni.example.org",)]
    assert con.execute("select kind, outcome from inbound_mail order by kind").fetchall() == [
        ("bounce", "processed"), ("lessons", "processed")]  # by kind: a Maildir is read in no set order
    # Data and Insight's chat channel (a local receiver): what it received since it was set, one file a post, in
    # words for everyone, with nothing personal (no reminder, no brief, no address).
    posts = [p.read_text(encoding="utf-8") for p in sorted((folder / "channel").glob("*.md"))]
    assert f"Channel:   {folder / 'channel'}  ({len(posts)} posts" in out
    assert posts[0].startswith("# Data and Insight is connected to copflow")
    assert [p.splitlines()[0] for p in posts[1:4]] == ["# Data and Insight is now in the planning stage",
                                                       "# Data and Insight is now in the launching stage",
                                                       "# Data and Insight has launched"]
    assert any(p.startswith("# Data and Insight: check-in on") for p in posts[4:])
    assert all(problems(p) == [] and "@" not in p for p in posts), [problems(p) for p in posts]
    # The demo's dates fall on working days, whatever day it runs: actions due, events held, the charters
    # published, the launches that start each review year and the days stages were entered (gates fall due
    # whole weeks after).
    dated = [*con.execute("select 'due', due_on from actions"), *con.execute("select 'held', held_on from activity"),
             *con.execute("select 'published', published_on from charter"),
             *con.execute("select 'anchor', review_anchor_on from cop where review_anchor_on is not null"),
             # a stage entered on a working day has its gates due on one (the sweep's own steps aside)
             *con.execute("select 'entered', stage_entered_on from cop where stage not in ('reviewing', 'closed')"),
             # every date a gate falls due on (issue 29 item 5: a launch due on Christmas Day is due after it)
             *con.execute("select 'gate due', next_due_on from cop where next_due_on is not null"),
             *con.execute("select 'review due', next_review_on from cop where next_review_on is not null")]
    weekend = [(what, on) for what, on in dated if date.fromisoformat(on).weekday() >= 5]
    from copflow.services.workdays import organisation_working_days
    from lifecycle import Policy

    days_off = [(what, on) for what, on in dated if what in ("gate due", "review due")
                and organisation_working_days(Policy()).why_not(date.fromisoformat(on))]
    assert days_off == [], days_off
    assert len(dated) > 30 and weekend == [], weekend
    box = mailbox.Maildir(folder / "maildir", factory=None, create=False)
    mails = [message_from_bytes(box.get_bytes(k), policy=policy.default) for k in box.iterkeys()]
    subjects = [str(m["Subject"]) for m in mails]
    # Each mail is dated the moment copflow sent it, along the story: not all at the moment the demo ran.
    sent_on = {m["Date"].datetime.date() for m in mails}
    assert len(sent_on) > 10, sorted(sent_on)
    # The OD manager gets one digest for the sweep: Research IT's overdue gates, the review to decide, the closure.
    [digest] = [m for m in mails if str(m["Subject"]).startswith("CoP programme, ")]
    body = digest.get_body(("plain",)).get_content()
    assert "Research IT (leads Dev Patel and Isla Murray; sponsor Nadia Haddad)" in body
    assert "Events Management: recommends pass; decide by" in body
    # The closure in one mail per person, saying the date its notice announced (the archive's name).
    closed_on = archive.stem.rsplit("-", 3)[-3:]
    announced = long_date("-".join(closed_on))
    assert f"Facilities Management (closed on {announced}, as announced): archive" in body
    done = [m for m in mails if str(m["Subject"]) == "Facilities Management is closed and archived"]
    assert done and all(f"closed on {announced}, as its closing notice announced" in
                        " ".join(m.get_body(("plain",)).get_content().split()) for m in done)
    assert not [s for s in subjects if "Facilities Management" in s and "closed stage" in s]
    assert "sponsor or you" not in body.lower() and "\nOVERDUE\n" in body
    # Research IT is 68 days late when the demo's sweep first sees it: its leads and its sponsor are told in that
    # sweep (not only the OD manager, through the digest), once each per late step.
    leads_told = [m for m in mails if str(m["Subject"]).startswith("Overdue: the sponsor meeting of Research IT")]
    sponsor_told = [m for m in mails if str(m["Subject"]).startswith("Research IT is ")
                    and "late with the sponsor meeting" in str(m["Subject"])]
    assert sorted(str(m["To"]) for m in leads_told) == ["Dev Patel <dev.patel@uni.example.org>"]
    assert "ADDRESSES THAT BOUNCE\n- Isla Murray <isla.murray@uni.example.org>" in body
    assert "holds: Research IT (lead)" in body
    assert [str(m["To"]) for m in sponsor_told] == ["Nadia Haddad <dir.research@uni.example.org>"]
    assert "Leads reminded today; sponsor told today" in body
    assert not any(s.startswith("Closure archive") for s in subjects)
    # The sweep closed Facilities Management before working out reminders: no false "archive late" alarm.
    assert not any("archive" in s.lower() and "not" in s.lower() for s in subjects)
    assert any(s.startswith("Data and Insight: review on") for s in subjects)
    assert any(s.startswith("Events Management: the review's evaluation recommends") for s in subjects)
    # Every mail reads as written for its reader: no internal names, ISO dates, or commands (but the OD
    # manager's), no .html attachments; every survey call carries its link.
    for m in mails:
        to_od = "od.manager@" in str(m["To"])
        for kind, text in readable_parts(m):
            assert problems(text, to_od_manager=to_od) == [], (m["To"], m["Subject"], kind)
        assert not [a for a in m.iter_attachments() if (a.get_filename() or "").endswith(".html")]
        if "is under review" in str(m["Subject"]):
            assert "https://forms.uni.example.org/cop-review?cop=" in m.get_body(("plain",)).get_content()
    # How many invitations the walk-through sends depends on the day it runs (Data and Insight's review meeting
    # moves off its check-in's day on some days, not others): what the demo says is what it queued and what the
    # Maildir holds, and Data and Insight's diarised check-in and catch-up are among them.
    queued = con.execute("select count(*) from notification where kind in ('invitation', 'invitation_cancel')")
    [(invitations,)] = queued.fetchall()
    in_maildir = sum(1 for m in mails if any(p.get_content_type() == "text/calendar" for p in m.walk()))
    assert invitations == in_maildir and f"{invitations} of them calendar invitations" in out
    # Data and Insight's action plan: the core group's agenda before its check-in, the sponsor's brief before the
    # catch-up, both on the first meeting day after today.
    assert re.search(r"Meetings:  \d+ check-in agendas and \d+ sponsor briefs sent", out)
    agendas = {str(m["To"]): m for m in mails if str(m["Subject"]).startswith("Agenda: Data and Insight core group")}
    assert sorted(agendas) == ["Amira Khan <amira.khan@uni.example.org>", "Ben Okafor <ben.okafor@uni.example.org>",
                               "Dev Patel <dev.patel@uni.example.org>"]  # Chloé left: no agenda for her
    agenda = agendas["Dev Patel <dev.patel@uni.example.org>"].get_body(("plain",)).get_content()
    assert "Draft the data glossary: OVERDUE" in agenda and 'towards "2 blog posts"' in agenda
    assert "Book a room for the autumn seminar (Amira Khan, done" in agenda
    assert 'Lunch and learn "Dashboards that get read"' in agenda and "The next review begins on" in agenda
    # One action falls due within the reminder days: its owner, and only they, get a reminder today.
    # (On the due day itself when no working day is left within the reminder days: 24 and 31 December.)
    [reminder] = [m for m in mails if "“Send the seminar speaker shortlist" in str(m["Subject"])]
    assert str(reminder["To"]) == "Ben Okafor <ben.okafor@uni.example.org>"
    assert re.match(r"(Reminder: .* for Data and Insight is due on |Due today: .* for Data and Insight$)",
                    str(reminder["Subject"])), reminder["Subject"]
    assert "/a/" in reminder.get_body(("plain",)).get_content()  # his own actions page
    briefs = [m for m in mails if str(m["Subject"]).startswith("Data and Insight: progress before your catch-up")]
    assert [str(m["To"]) for m in briefs] == ["Priya Raman <dir.planning@uni.example.org>"]
    brief = briefs[0].get_body(("plain",)).get_content()
    assert 'Action "Draft the data glossary" (Dev Patel) was due on' in brief and "1 seminar: 0 of 1 held (events recorded as a seminar); 1 action done towards it" in brief
    assert any(s.startswith("No longer invited: Core group check-in") and s.endswith("Data and Insight")
               for s in subjects)  # Chloe left the CoP: her calendar drops its meetings
    first = next(iter(box))
    parsed = message_from_bytes(first.as_bytes(), policy=policy.default)
    assert parsed.get_body(("plain",)) is not None and parsed.get_body(("html",)) is not None
    assert (folder / "prefect" / "prefect.db").is_file()
    # The artifacts the README sends an OD manager to, in the demo's own Prefect records.
    runs = sqlite3.connect(folder / "prefect" / "prefect.db")
    keys = {k for (k,) in runs.execute("select distinct key from artifact where key is not null")}
    assert keys >= {"copflow-portfolio", "copflow-attention", "copflow-sweep", "copflow-lifecycle",
                    "copflow-evaluation-events-management", "copflow-closure-facilities-management"}
    [lifecycle] = runs.execute("select data from artifact where key = 'copflow-lifecycle' order by created desc "
                               "limit 1").fetchone()
    assert 'state \\"closed (1 CoP)\\" as closed' in lifecycle  # stored as JSON text
    # The leads get the evaluation report itself, attached, not a path on this machine.
    report_mail = next(m for m in mails if str(m["Subject"]).startswith("Events Management: the review's evaluation"))
    [attached] = list(report_mail.iter_attachments())
    assert attached.get_filename().startswith("events-management-review-") and attached.get_filename().endswith(".pdf")
    assert attached.get_content().startswith(b"%PDF")
    # A launched CoP's check-in series lands as an iMIP invitation a mail client opens with Accept/Decline.
    checkins = [message_from_bytes(m.as_bytes(), policy=policy.default) for m in box
                if (m["Subject"] or "").startswith("Core group check-in")]
    assert checkins
    cal = next(p for p in checkins[0].walk() if p.get_content_type() == "text/calendar")
    assert cal.get_param("method") == "REQUEST"
    text = cal.get_content()
    assert "METHOD:REQUEST" in text and "RRULE:FREQ=MONTHLY" in text and "RSVP=TRUE" in text
    # Every invitation in the Maildir says where (tests/integration/test_demo_meetings.py checks the days).
    for m in box:
        mail = message_from_bytes(m.as_bytes(), policy=policy.default)
        for part in mail.walk():
            if part.get_content_type() == "text/calendar":
                assert re.search(r"^LOCATION:\S", part.get_content(), re.M), mail["Subject"]


@pytest.mark.slow
def test_the_demo_makes_its_documents_without_a_browser(tmp_path):
    """No Chromium anywhere on PATH (only the project's own environment): every evaluation mail still carries its
    report as an A4, tagged PDF by the programme, reading the recommendation and its reasons in order; the leads'
    lessons-learned draft is a Word document with real tables."""
    import io
    import shutil

    from docx import Document

    venv_bin = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("COPFLOW_", "PREFECT_API", "CHROME", "CHROMIUM", "PUPPETEER", "PLAYWRIGHT"))}
    env["PATH"] = venv_bin
    assert not any(shutil.which(name, path=env["PATH"]) for name in ("chromium", "chromium-browser", "google-chrome"))
    folder = tmp_path / "demo"
    run = subprocess.run([EXE, "demo", "--folder", str(folder)], env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    box = mailbox.Maildir(folder / "maildir", factory=None, create=False)
    mails = [message_from_bytes(box.get_bytes(k), policy=policy.default) for k in box.iterkeys()]
    reports = [m for m in mails if "the review's evaluation recommends" in str(m["Subject"])]
    assert len(reports) >= 4  # Events Management's leads, sponsor and OD manager (and any other review)
    for m in reports:
        [pdf] = [a for a in m.iter_attachments() if a.get_content_type() == "application/pdf"]
        (tmp_path / "r.pdf").write_bytes(pdf.get_content())
        info = subprocess.run(["pdfinfo", str(tmp_path / "r.pdf")], capture_output=True, text=True, check=True).stdout
        assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info) and re.search(r"Tagged:\s+yes", info)
        assert re.search(r"Author:\s+CoP programme", info), info
        text = " ".join(subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True,
                                       check=True).stdout.split())
        said = " ".join(m.get_body(("plain",)).get_content().split())
        [advised] = re.findall(r'It recommends "(\w+)"', said)
        assert f"Recommendation: {advised}" in text and "attached as a PDF" in said
        listed = 0
        for label, until in (("Strengths:", "Weaknesses:"), ("Weaknesses:", "The full report")):
            part = said.split(label, 1)[1].split(until, 1)[0] if label in said else ""
            points = [p.strip() for p in part.split(" - ") if p.strip()]
            order = [text.find(p) for p in points]  # each reason, in the mail's order, in the PDF's
            assert -1 not in order and order == sorted(order), (points, text[:3000])
            listed += len(points)
        assert listed
    drafts = [a for m in mails for a in m.iter_attachments() if (a.get_filename() or "").endswith("draft.docx")]
    assert drafts
    doc = Document(io.BytesIO(drafts[0].get_content()))
    assert len(doc.tables) >= 2
    assert not [p.text for p in doc.paragraphs if p.text.lstrip().startswith("|") or "*" in p.text]
