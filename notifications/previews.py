"""Sample messages of every kind, rendered from the real templates without sending (`copflow notify preview`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from notifications.compose import Rendered, render
from notifications.ics import Meeting, Party, calendar_text

COP = {"cop": {"slug": "data-insight", "name": "Data and Insight", "stage": "planning", "timezone": "Europe/London"}}
LEAD = {"recipient": {"email": "amira.khan@uni.example.org", "name": "Amira Khan", "role": "coordinator"}}
SPONSOR = {"recipient": {"email": "priya.raman@uni.example.org", "name": "Priya Raman", "role": "sponsor"}}
OD = {"recipient": {"email": "od.manager@uni.example.org", "name": "Maya Fischer", "role": "od_manager_contact"}}
MEMBER = {"recipient": {"email": "dev.patel@uni.example.org", "name": "Dev Patel", "role": "wider"}}
NEEDS = ["no evidence recorded for sponsor meeting done"]


def _notice(kind: str, audience: str, days: int, gate: str = "sponsor_meeting_done") -> dict[str, Any]:
    return {"notice": {"kind": kind, "audience": audience, "gate": gate, "due_on": "2026-04-13", "days": days,
                       "step": "x"}, "gate_title": gate.replace("_", " "), "needs": NEEDS}


def _meeting(kind: str, title: str, recurrence: str | None, update: bool = False) -> dict[str, Any]:
    return {"update": update, "reason": None, "occurrence": None, "removed": False, "meeting": {
        "summary": title, "purpose": f"Sample purpose of the {title.lower()}.",
        "when": "Tuesday 03 March 2026, 12:30–13:15 (Europe/London)", "recurrence": recurrence,
        "location": "Room 2.14, Bloomsbury Building", "organizer": "Amira Khan",
        "skipped": ["Tuesday 01 December 2026 (a closure day)"] if recurrence else []}}


PREVIEWS: dict[str, tuple[str, dict[str, Any]]] = {
    "gate-due-soon": ("gate_reminder", {**COP, **LEAD, **_notice("due_soon", "leads", 14)}),
    "gate-due-today": ("gate_reminder", {**COP, **LEAD, **_notice("due_today", "leads", 0)}),
    "gate-overdue": ("gate_reminder", {**COP, **LEAD, **_notice("overdue", "leads", 1)}),
    "escalation-sponsor": ("gate_reminder", {**COP, **SPONSOR, **_notice("overdue", "sponsor", 7)}),
    "escalation-od-manager": ("gate_reminder", {**COP, **OD, **_notice("overdue", "od_manager", 14)}),
    "archive-late": ("gate_reminder", {**COP, **OD, **_notice("overdue", "od_manager", 7, "archive_verified"),
                                       "needs": ["no verified archive recorded"]}),
    "review-due": ("review_due", {**COP, **LEAD, **_notice("due_soon", "leads", 30, "review_due")}),
    "review-opened": ("review_opened", {**COP, **MEMBER, "closes_on": "2026-04-13",
                                        "survey_url": "https://forms.uni.example.org/cop-review"}),
    "evaluation-ready": ("evaluation_ready", {**COP, **LEAD, "period": "March 2025 – March 2026",
                                              "recommendation": "pass",
                                              "report_name": "data-insight-review-2026-03-02.html",
                                              "reasons": ["4 of 5 annual targets met", "attendance rate 62%"]}),
    "invitation-checkin": ("invitation", {**COP, **LEAD, **_meeting("checkin", "Core group check-in",
                                                                    "every month on the first Tuesday")}),
    "invitation-sponsor-catchup": ("invitation", {**COP, **SPONSOR, **_meeting("sponsor_catchup",
                                                                                "Sponsor catch-up", "every 6 weeks")}),
    "invitation-launch": ("invitation", {**COP, **MEMBER, **_meeting("launch", "Launch event", None)}),
    "invitation-review": ("invitation", {**COP, **LEAD, **_meeting("review", "Review meeting", None)}),
    "invitation-update": ("invitation", {**COP, **LEAD, **_meeting("checkin", "Core group check-in", "every month",
                                                                   update=True)}),
    "invitation-cancel": ("invitation_cancel", {**COP, **LEAD, **_meeting("checkin", "Core group check-in",
                                                                          "every month"),
                                                "reason": "the community is closing"}),
    "invitation-removed": ("invitation_cancel", {**COP, **MEMBER, **_meeting("checkin", "Core group check-in",
                                                                             "every month"),
                                                 "removed": True,
                                                 "reason": "you have left the community or the role that attends it"}),
    "invitation-cancel-occurrence": ("invitation_cancel", {**COP, **LEAD, **_meeting("checkin", "Core group check-in",
                                                                                     "every month"),
                                                           "occurrence": "Tuesday 07 April 2026, 12:30"}),
    "stage-changed": ("stage_changed", {**COP, **LEAD, "from_stage": "forming", "to_stage": "planning",
                                        "next_gate": "sponsor_meeting_done", "next_due_on": "2026-04-13"}),
    "closing-notice": ("closing_notice", {**COP, **MEMBER, "closing_date": "2026-06-30", "lessons_draft": None,
                                          "reason": "It has achieved what it set out to do."}),
    "closing-notice-lead": ("closing_notice", {**COP, **LEAD, "closing_date": "2026-06-30",
                                               "lessons_draft": "data-insight-lessons-learned-draft.md",
                                               "reason": "It has achieved what it set out to do."}),
    "closure-completed": ("closure_completed", {**COP, **LEAD, "closed_on": "2026-06-30",
                                                "archive_path": "/srv/copflow/archives/data-insight-2026-06-30.zip",
                                                "manifest_sha256": "9f2c…"}),
}


def preview(name: str) -> tuple[Rendered, str | None]:
    """The rendered message and, for invitations, a sample iCalendar text."""
    if name not in PREVIEWS:
        raise LookupError(f"no preview {name!r} (previews: {', '.join(PREVIEWS)})")
    kind, context = PREVIEWS[name]
    ics = None
    if kind.startswith("invitation"):
        method = "CANCEL" if kind == "invitation_cancel" else "REQUEST"
        m = Meeting(uid="data-insight.checkin.1@copflow", sequence=1 if method == "CANCEL" else 0,
                    summary="Core group check-in: Data and Insight", description="Sample", tzid="Europe/London",
                    start=datetime(2026, 3, 3, 12, 30), minutes=45, organizer=Party("amira.khan@uni.example.org",
                                                                                    "Amira Khan", "CHAIR"),
                    attendees=(Party("ben.okafor@uni.example.org", "Ben Okafor"),),
                    rrule={"FREQ": "MONTHLY", "INTERVAL": 1, "BYDAY": "1TU"}, location="Room 2.14, Bloomsbury Building",
                    exdates=(datetime(2026, 12, 1, 12, 30),))
        ics = calendar_text(m, method=method, dtstamp=datetime(2026, 3, 1, tzinfo=UTC))
    return render(kind, context), ics
