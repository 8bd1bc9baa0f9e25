"""The sample people, CoP, digest and meetings the message previews are rendered with (notifications/previews.py)."""

from __future__ import annotations

from typing import Any

from notifications.vocabulary import EVIDENCE

COP = {"cop": {"slug": "data-insight", "name": "Data and Insight", "stage": "planning", "timezone": "Europe/London"},
       "leads": ["Amira Khan", "Ben Okafor"], "sponsors": ["Priya Raman"],
       "od_manager": {"name": "Maya Fischer", "email": "od.manager@uni.example.org"}}
LEAD = {"recipient": {"email": "amira.khan@uni.example.org", "name": "Amira Khan", "role": "coordinator"}}
SPONSOR = {"recipient": {"email": "priya.raman@uni.example.org", "name": "Priya Raman", "role": "sponsor"}}
OD = {"recipient": {"email": "od.manager@uni.example.org", "name": "Maya Fischer", "role": "od_manager_contact"}}
MEMBER = {"recipient": {"email": "dev.patel@uni.example.org", "name": "Dev Patel", "role": "wider"}}
SURVEY = "https://forms.uni.example.org/cop-review?cop=data-insight"
CORE = {"recipient": {"email": "chloe.martin@uni.example.org", "name": "Chloé Martin", "role": "core"}}


def _action(days: int, due_on: str, others: list[dict[str, Any]]) -> dict[str, Any]:
    return {"action": {"title": "Book the room for the spring seminar", "due_on": due_on, "days": days,
                       "target": "1 seminar", "notes": "Room 2.14 seats 40; ask Estates about the projector."},
            "actions_url": "https://cops.uni.example.org/a/preview-token", "others": others, "more_others": 0}


def _notice(kind: str, audience: str, days: int, gate: str = "sponsor_meeting_done",
            action_url: str | None = None) -> dict[str, Any]:
    return {"notice": {"kind": kind, "audience": audience, "gate": gate, "due_on": "2026-04-13", "days": days,
                       "step": "x"}, "evidence": list(EVIDENCE.get(gate, ())), "action_url": action_url}


def _meeting(kind: str, title: str, recurrence: str | None, update: bool = False) -> dict[str, Any]:
    return {"update": update, "reason": None, "occurrence": None, "removed": False, "meeting": {
        "summary": title, "purpose": f"Sample purpose of the {title.lower()}.",
        "when": "Tuesday 3 March 2026, 12:30–13:15 (Europe/London)", "recurrence": recurrence,
        "location": "Room 2.14, Bloomsbury Building",
        "organizer": "Data and Insight, through the programme's mailbox cop-programme@uni.example.org",
        "skipped": ["Tuesday 1 December 2026 (a closure day)"] if recurrence else []}}


def _answers(kind: str, who: str, **notice: object) -> dict[str, Any]:
    title = "Sponsor catch-up" if kind == "sponsor_declined" else "Core group check-in"
    return {"meeting": {"title": title, "uid": "data-insight.checkin.1@copflow",
                        "when": "Tuesday 3 March 2026, 12:30"}, "notice": {"kind": kind, "who": who, **notice}}


DIGEST = {"digest": {
    "on": "2026-12-01", "run_url": "https://prefect.uni.example.org/runs/flow-run/0b6f", "artifacts_url": None,
    "escalations": [{"slug": "research-it", "name": "Research IT", "leads": ["Isla Murray", "Dev Patel"],
                     "sponsors": ["Nadia Haddad"], "cop_url": "https://cops.uni.example.org/c/sample-link",
                     "items": [
                         {"gate": "sponsor_meeting_done", "due_on": "2026-09-24", "days": 68,
                          "audience": "od_manager", "reason": None, "leads_told_on": "2026-09-25",
                          "sponsor_told_on": "2026-10-01"},
                         {"gate": "charter_published", "due_on": "2026-11-05", "days": 26,
                          "audience": "od_manager", "reason": None, "leads_told_on": None,
                          "sponsor_told_on": None}]}],
    "reviews": [{"slug": "events-management", "name": "Events Management", "leads": ["Eve Nowak", "Femi Adeyemi"],
                 "sponsors": ["Tom Hartley"], "recommendation": "pass", "decide_by": "2026-12-18", "days_left": 17,
                 "decide_url": "https://cops.uni.example.org/d/sample-link"}],
    "no_survey": [], "mail_waiting": 140, "mail_clears": "Tuesday 1 December 2026, 08:40",
    "parked": ["gone@uni.example.org (Reminder: the charter of Research IT): 550 5.1.1 no such user"],
    "posts_parked": ["Slack, #3f9a2c1b (Research IT is now in the planning stage): Slack answered 404 Not Found: "
                     "no_service"],
    "closed": [{"slug": "facilities-management", "name": "Facilities Management",
                "archive": "facilities-management-2026-09-28.zip", "closed_on": "2026-09-28",
                "lessons_draft_only": True}],
    "documents_missing": [{"slug": "data-insight", "name": "Data and Insight",
                           "document": "the evaluation report (PDF)", "since": "2026-11-30", "attempts": 2,
                           "reason": "Typst could not typeset reports/evaluation.typ: file not found"}],
    "archive_failed": [{"slug": "estates", "name": "Estates Network",
                        "reason": "the archive folder /srv/copflow/archives is not writable"}],
    "bouncing": [{"email": "isla.murray@uni.example.org", "name": "Isla Murray", "since": "2026-11-27",
                  "reason": "5.1.10 550 5.1.10 RESOLVER.ADR.RecipientNotFound",
                  "holds": [{"cop": "Research IT", "role": "lead"}]}]}}

def _planned(title: str, owner: str, due_on: str, days_late: int = 0, target: str | None = None,
            closed_on: str | None = None) -> dict[str, Any]:
    return {"title": title, "owner": owner, "due_on": due_on, "overdue": days_late > 0, "days_late": days_late,
            "target": target, "closed_on": closed_on}


_OVERDUE = _planned("Draft the dashboard guide", "Chloé Martin", "2026-03-20", 12, "1 resource")
MEETING = {"title": "Core group check-in", "on": "2026-04-14", "time": "12:30–13:15", "zone": "Europe/London",
           "place": "Room 2.14, Bloomsbury Building", "online": False}
BRIEF: dict[str, Any] = {"meeting": MEETING,
         "since": "2026-03-10", "first": False,
         "plan": {"open": 4, "overdue": [_OVERDUE], "owners": [
             {"name": "Chloé Martin", "email": "chloe.martin@uni.example.org", "overdue": 1,
              "actions": [_OVERDUE, _planned("Book the May lunch and learn", "Chloé Martin", "2026-04-24")]},
             {"name": "Ben Okafor", "email": "ben.okafor@uni.example.org", "overdue": 0,
              "actions": [_planned("Write the Power BI blog post", "Ben Okafor", "2026-04-17", 0, "2 blog posts")]},
             {"name": "Dev Patel", "email": "dev.patel@uni.example.org", "overdue": 0,
              "actions": [_planned("Ask Finance to present", "Dev Patel", "2026-05-08")]}]},
         "done": [_planned("Run the survey of data needs", "Amira Khan", "2026-03-27", target="2 blog posts",
                           closed_on="2026-03-26")],
         "events": [{"kind": "lunch_and_learn", "title": "Dashboards that get read", "held_on": "2026-03-19",
                     "attendees": 23, "link": None}],
         "outputs": [{"kind": "blog", "title": "Five questions to ask of any dataset", "held_on": "2026-04-02",
                      "attendees": 0, "link": "https://blogs.uni.example.org/data/five-questions"}],
         "coming": [{"gate": "review_due", "review": True, "due_on": "2026-06-02", "days_left": 51, "days_late": 0}],
         "progress": {"from": "2025-06-02", "targets": [
             {"text": "1 seminar", "done": 1, "needed": 1, "met": True, "counted": True, "kind": "seminar",
              "made": False, "actions_done": 0},
             {"text": "2 blog posts", "done": 1, "needed": 2, "met": False, "counted": True, "kind": "blog",
              "made": True, "actions_done": 1},
             {"text": "1 data literacy toolkit", "done": 0, "needed": 1, "met": None, "counted": False,
              "kind": None, "made": False, "actions_done": 0}]}}
CATCHUP = {**BRIEF, "meeting": {**MEETING, "title": "Sponsor catch-up", "on": "2026-04-16",
                                "place": "https://teams.microsoft.com/l/meetup-join/19%3ameeting_data", "online": True},
           "since": "2026-03-05"}

# name: (template, when it is sent, to whom, sample context)
