"""Sample messages of every kind, rendered from the real templates without sending (`copflow notify preview`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from notifications.compose import Rendered, render
from notifications.ics import Meeting, Party, calendar_text
from notifications.preview_samples import (
    BRIEF,
    CATCHUP,
    COP,
    CORE,
    DIGEST,
    LEAD,
    MEMBER,
    OD,
    SPONSOR,
    SURVEY,
    _action,
    _answers,
    _meeting,
    _notice,
)

PREVIEWS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "gate-due-soon": ("gate_reminder", "30, 14, 7 and 1 days before a gate is due", "leads",
                      {**COP, **LEAD, **_notice("due_soon", "leads", 14, "launch_held",
                                                "https://cop.uni.example.org/e/launch-held?t=sample")}),
    "gate-due-today": ("gate_reminder", "the day a gate is due", "leads",
                       {**COP, **LEAD, **_notice("due_today", "leads", 0)}),
    "gate-overdue": ("gate_reminder", "the day after a gate was due", "leads",
                     {**COP, **LEAD, **_notice("overdue", "leads", 1)}),
    "escalation-sponsor": ("gate_reminder", "7 days after a gate was due", "sponsor",
                           {**COP, **SPONSOR, **_notice("overdue", "sponsor", 7)}),
    "od-digest": ("od_digest", "after each daily sweep that found something", "the OD manager", {**OD, **DIGEST}),
    "review-due": ("review_due", "30, 14, 7 and 1 days before a review begins", "leads",
                   {**COP, **LEAD, **_notice("due_soon", "leads", 30, "review_due")}),
    "review-opened": ("review_opened", "the day a review opens", "every member",
                      {**COP, **MEMBER, "closes_on": "2026-04-13", "decision_on": "2026-05-04",
                       "survey_url": SURVEY}),
    "review-opened-lead": ("review_opened", "the day a review opens", "leads and sponsor",
                           {**COP, **LEAD, "closes_on": "2026-04-13", "decision_on": "2026-05-04",
                            "survey_url": SURVEY}),
    "evaluation-ready": ("evaluation_ready", "when the review's survey closes", "leads, sponsor and OD manager",
                         {**COP, **LEAD, "period": "2 March 2025 – 2 March 2026", "recommendation": "pass",
                          "report_name": "data-insight-review-2026-03-02.pdf", "decide_by": "2026-04-13",
                          "action_url": None, "strengths": ["4 of 5 annual targets met", "attendance rate 62%"],
                          "weaknesses": ["target missed: 1 newsletter article (0 held)",
                                         "“I have developed my skills or gained knowledge” scored 25.7 points "
                                         "below the 2021 benchmark"]}),
    "evaluation-ready-od": ("evaluation_ready", "when the review's survey closes", "the OD manager",
                            {**COP, **OD, "period": "2 March 2025 – 2 March 2026", "recommendation": "evolve",
                             "report_name": "data-insight-review-2026-03-02.pdf", "decide_by": "2026-04-13",
                             "action_url": "https://cop.uni.example.org/d/data-insight?t=sample",
                             "strengths": ["the core group spans 3 departments"],
                             "weaknesses": ["0 core-group check-ins held of 11 expected",
                                            "target missed: 1 seminar (0 done)"]}),
    "invitation-checkin": ("invitation", "when the CoP becomes active, and on changes", "core group",
                           {**COP, **LEAD, **_meeting("checkin", "Core group check-in",
                                                                    "every month on the first Tuesday")}),
    "invitation-sponsor-catchup": ("invitation", "when the CoP becomes active", "leads and sponsor",
                                   {**COP, **SPONSOR, **_meeting("sponsor_catchup", "Sponsor catch-up",
                                                                 "every 6 weeks")}),
    "invitation-launch": ("invitation", "when the launch is scheduled", "every member",
                          {**COP, **MEMBER, **_meeting("launch", "Launch event", None)}),
    "invitation-review": ("invitation", "when a review meeting is scheduled", "leads, sponsor and OD manager",
                          {**COP, **LEAD, **_meeting("review", "Review meeting", None)}),
    "invitation-update": ("invitation", "when a meeting moves", "everyone invited",
                          {**COP, **LEAD, **_meeting("checkin", "Core group check-in", "every month", update=True)}),
    "invitation-cancel": ("invitation_cancel", "when a series ends (closing, or the CoP moves on)", "everyone invited",
                          {**COP, **LEAD, **_meeting("checkin", "Core group check-in", "every month"),
                           "reason": "the community is closing"}),
    "invitation-removed": ("invitation_cancel", "when someone leaves the CoP or its core group", "the person leaving",
                           {**COP, **MEMBER, **_meeting("checkin", "Core group check-in", "every month"),
                            "removed": True, "reason": "you have left the community or the role that attends it"}),
    "invitation-cancel-occurrence": ("invitation_cancel", "when one meeting of a series is cancelled",
                                     "everyone invited",
                                     {**COP, **LEAD, **_meeting("checkin", "Core group check-in", "every month"),
                                      "occurrence": "Tuesday 7 April 2026, 12:30"}),
    "stage-changed": ("stage_changed", "when the CoP passes a gate", "leads and sponsor",
                      {**COP, **LEAD, "from_stage": "forming", "to_stage": "planning",
                       "next_gate": "sponsor_meeting_done", "next_due_on": "2026-04-13"}),
    "stage-changed-review-decided": ("stage_changed", "when the OD manager decides a review", "leads and sponsor",
                                     {**COP, **LEAD, "from_stage": "reviewing", "to_stage": "active",
                                      "next_gate": "review_due", "next_due_on": "2027-04-13",
                                      "review_decision": {"decision": "pass",
                                                          "reason": "It met its targets and members value it"}}),
    "closing-notice": ("closing_notice", "when the decision to close is recorded", "every member",
                       {**COP, **MEMBER, "closing_date": "2026-06-30", "lessons_draft": None, "reason": None,
                        "meetings_cancelled": True}),
    "closing-notice-lead": ("closing_notice", "when the decision to close is recorded", "leads",
                            {**COP, **LEAD, "closing_date": "2026-06-30",
                             "lessons_draft": "data-insight-lessons-learned-draft.docx", "reason": None,
                             "meetings_cancelled": True,
                             "lessons_page": "https://cops.uni.example.org/c/preview-token"}),
    "closure-completed": ("closure_completed", "when the archive is verified and the CoP closed",
                          "leads, sponsor and OD manager",
                          {**COP, **LEAD, "closed_on": "2026-06-30", "archived_on": "2026-07-01",
                           "archive_name": "data-insight-2026-06-30.zip",
                           "archive_keeper": "the CoP programme team (Maya Fischer, od.manager@uni.example.org)"}),
    "document-follows-report": ("document_follows", "the first sweep after a report's PDF could not be made",
                                "leads, sponsor and OD manager",
                                {**COP, **LEAD, "kind": "evaluation_pdf", "document": "the evaluation report",
                                 "file_name": "data-insight-review-2026-03-02.pdf", "promised_on": "2026-03-02",
                                 "closing_date": None, "decided": False}),
    "document-follows-lessons": ("document_follows", "the first sweep after a lessons draft could not be made",
                                 "leads",
                                 {**COP, **LEAD, "kind": "lessons_docx", "document": "the lessons-learned draft",
                                  "file_name": "data-insight-lessons-learned-draft.docx",
                                  "lessons_page": "https://cops.uni.example.org/c/preview-token",
                                  "promised_on": "2026-05-26", "closing_date": "2026-06-30", "decided": False}),
    "lessons-received": ("lessons_received", "when a lead's reply brings the completed lessons learned", "leads",
                         {**COP, **LEAD, "sender": "amira.khan@uni.example.org", "characters": 18250,
                          "file_name": "data-insight-lessons-learned.docx", "received_on": "2026-04-20"}),
    "reply-forwarded": ("reply_forwarded", "when a reply comes back that copflow does not act on",
                        "the programme's contact address",
                        {**COP, **OD, "original": {"sender": "dev.patel@uni.example.org", "subject":
                                                   "Re: Core group check-in", "attachments": [],
                                                   "text": "Can we move the check-in to Thursday?"},
                         "thread": {"subject": "Core group check-in", "to": "dev.patel@uni.example.org",
                                    "sent_at": "2026-04-07T08:00:00+00:00"}}),
    "link-renewed": ("link_renewed", "when a lead opens an expired link from a reminder", "the lead",
                     {**COP, **LEAD, "purpose": "evidence", "gate": "sponsor_meeting_done",
                      "action_url": "https://cops.uni.example.org/e/preview-token", "expires_on": "2026-05-13"}),
    "checkin-agenda": ("checkin_agenda", "2 days before each core group check-in", "core group",
                       {**COP, **LEAD, **BRIEF, "action_url": "https://cops.uni.example.org/c/preview-token"}),
    "checkin-agenda-owner": ("checkin_agenda", "2 days before each core group check-in",
                             "core group members who own actions",
                             {**COP, **CORE, **BRIEF, "action_url": "https://cops.uni.example.org/a/preview-token"}),
    "sponsor-brief": ("sponsor_brief", "2 days before each sponsor catch-up", "the sponsor",
                      {**COP, **SPONSOR, **CATCHUP, "action_url": None}),
    "sponsor-brief-lead": ("sponsor_brief", "2 days before each sponsor catch-up", "leads",
                           {**COP, **LEAD, **CATCHUP, "action_url": "https://cops.uni.example.org/c/preview-token"}),
    "action-reminder": ("action_reminder", "3 days before an action is due",
                        "the action's owner",
                        {**COP, **CORE, **_action(3, "2026-03-13", [
                            {"title": "Draft the first blog post", "due_on": "2026-03-06", "overdue": True},
                            {"title": "Ask Finance for two dashboards to show", "due_on": "2026-04-02",
                             "overdue": False}])}),
    "action-reminder-today": ("action_reminder", "the day an action is due", "the action's owner",
                              {**COP, **CORE, **_action(0, "2026-03-13", [])}),
    "join-request": ("join_request", "when someone asks to join from the CoP hub", "leads",
                     {**COP, **LEAD, "requester": {"name": "Sam Hill", "email": "sam.hill@uni.example.org",
                                                   "message": "I run our reporting team."},
                      "action_url": "https://cops.uni.example.org/c/preview-token"}),
    "join-digest": ("join_digest", "at the end of a day with more join requests than the policy's daily caps",
                    "leads", {**COP, **LEAD, "day": "2026-03-12", "held": 2, "more": 0,
                              "caps": {"cop": 10, "lead": 20},
                              "requests": [{"name": "Sam Hill", "email": "sam.hill@uni.example.org",
                                            "message": "I run our reporting team."},
                                           {"name": "Ravi Patel", "email": "ravi.patel@uni.example.org",
                                            "message": ""}],
                              "action_url": "https://cops.uni.example.org/c/preview-token"}),
    "meeting-counter": ("meeting_answers", "when an attendee's calendar proposes another time (a COUNTER)", "leads",
                        {**COP, **LEAD, **_answers("counter", "Ben Okafor",
                                                   proposed="Wednesday 4 March 2026, 14:00–14:45",
                                                   comment="Tuesdays clash with the faculty board")}),
    "sponsor-declined": ("meeting_answers", "when the sponsor declines a catch-up", "leads",
                         {**COP, **LEAD, **_answers("sponsor_declined", "Priya Raman")}),
    "few-coming": ("meeting_answers", "when fewer than half the core group can come to a check-in", "leads",
                   {**COP, **LEAD, **_answers("few_coming", "Ben Okafor", invited=4,
                                              declined=["Dev Patel", "Ben Okafor"],
                                              summary="coming: 1 — declined: Dev Patel, Ben Okafor — no answer: 1")}),
}


def preview(name: str) -> tuple[Rendered, str | None]:
    """The rendered message and, for invitations, a sample iCalendar text."""
    if name not in PREVIEWS:
        raise LookupError(f"no preview {name!r} (previews: {', '.join(PREVIEWS)})")
    kind, _when, _who, context = PREVIEWS[name]
    ics = None
    if kind.startswith("invitation"):
        method = "CANCEL" if kind == "invitation_cancel" else "REQUEST"
        m = Meeting(uid="data-insight.checkin.1@copflow", sequence=1 if method == "CANCEL" else 0,
                    summary="Core group check-in: Data and Insight", description="Sample", tzid="Europe/London",
                    start=datetime(2026, 3, 3, 12, 30), minutes=45, organizer=Party("cop-programme@uni.example.org",
                                                                                    "Data and Insight", "CHAIR"),
                    attendees=(Party("amira.khan@uni.example.org", "Amira Khan", "CHAIR"),
                               Party("ben.okafor@uni.example.org", "Ben Okafor")),
                    rrule={"FREQ": "MONTHLY", "INTERVAL": 1, "BYDAY": "1TU"}, location="Room 2.14, Bloomsbury Building",
                    exdates=(datetime(2026, 12, 1, 12, 30),))
        ics = calendar_text(m, method=method, dtstamp=datetime(2026, 3, 1, tzinfo=UTC))
    return render(kind, context), ics


def write_gallery(out: Path, *, screenshots: bool = True) -> list[Path]:
    """Every message kind as `<name>.html`, `<name>.txt` and (with Chromium installed) `<name>.png` at a mail's
    width (600 px), plus an index.html that shows them side by side; returns the files written."""
    from html import escape

    from notifications.documents import screenshot

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    rows = []
    for name, (_kind, when, who, _context) in PREVIEWS.items():
        rendered, _ics = preview(name)
        html, text = out / f"{name}.html", out / f"{name}.txt"
        html.write_text(rendered.html, encoding="utf-8")
        text.write_text(f"Subject: {rendered.subject}\n\n{rendered.text}", encoding="utf-8")
        written += [html, text]
        png = out / f"{name}.png"
        if screenshots and screenshot(html, png, width=600):
            written.append(png)
        picture = f'<img src="{png.name}" width="600" alt="{escape(name)}">' if png.exists() else ""
        rows.append(f"<section><h2>{escape(name)}</h2><p>Sent to {escape(who)}, {escape(when)}. Subject: "
                    f"<strong>{escape(rendered.subject)}</strong> · <a href=\"{text.name}\">text</a> · "
                    f"<a href=\"{html.name}\">HTML</a></p>{picture}</section>")
    index = out / "index.html"
    index.write_text("<!doctype html><meta charset=\"utf-8\"><title>copflow messages (samples)</title>"
                     "<body style=\"font-family: sans-serif\"><h1>Every message copflow sends (samples)</h1>"
                     + "".join(rows) + "</body>", encoding="utf-8")
    return [index, *written]
