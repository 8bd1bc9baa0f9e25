"""A reproducible portfolio for benchmarks, and for the test that reads the sweep's query plans: CoPs in every
stage, people across departments, memberships, charters, evidence of an earlier stage, attendance history,
meeting series, action plans and a year of sent mail. Bulk inserts through SQLAlchemy Core, so 100,000 CoPs take
a minute, not hours.

What is due today is the same whatever the size, so that a larger portfolio measures only what the sweep must
not read:
- `due` CoPs are in planning with the sponsor meeting due in 7 days (each owes a reminder to its two leads); a
  fifth of them have a check-in in 2 days (an agenda owed to the core group) and an action due in 3 days (a
  reminder to its owner), a tenth a sponsor catch-up in 2 days (a brief to the sponsor and the leads). They have
  the same roster (`DUE_ROSTER`) at every size.
- `REVIEWS` CoPs are under review (none when nothing is due: bench/report_pdfs.py puts its own under review),
  half with an evaluation report waiting for the OD manager's decision (the digest lists all of them).
- Twice `due` sent messages are past the retention period.
Every other CoP has its next due date beyond the reminder horizon; the active ones hold monthly check-ins and
quarterly sponsor catch-ups whose next occurrence is beyond the agenda's days; each has an action due later, one
overdue (on the next agenda, never reminded), one done, a message sent this year and one purged long ago.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from copflow.db.engine import get_engine
from copflow.db.migrate import upgrade
from copflow.db.models import (
    Action,
    Activity,
    Attendance,
    Charter,
    Cop,
    Document,
    GateEvidence,
    MeetingSeries,
    Membership,
    Notification,
    Person,
)
from copflow.services.meetings.organizer import organizer_address
from copflow.settings import Settings, load_settings

DEPARTMENTS = [f"Department {i:03d}" for i in range(120)]
ROLES_TAIL = ["core", "core", "wider", "wider", "wider", "wider", "wider", "member_support", "information_resources"]
STAGES_NOT_DUE = ["forming", "launching", "active", "active", "active", "active", "active"]
DUE_ROSTER = ("coordinator", "lead", "sponsor", "core", "core", "wider", "wider", "wider")
ATTENDS = {"checkin": {"coordinator", "lead", "core"}, "sponsor_catchup": {"coordinator", "lead", "sponsor"}}
REVIEWS = 20
ZONE = "Europe/London"
WEEK = timedelta(weeks=1)


def populate(url: str, *, cops: int, members_per_cop: int, due: int, today: date, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    upgrade(url)
    engine = get_engine(url)
    now = datetime.combine(today, time(), UTC)
    people = max(members_per_cop * 20, cops // 2, 2000)
    with engine.begin() as conn:
        conn.execute(insert(Person), [
            {"email": f"p{i}@uni.example.org", "name": f"Person {i}", "department": rng.choice(DEPARTMENTS),
             "line_manager_email": f"m{i % 400}@uni.example.org", "created_at": now} for i in range(people)])
        if due:
            conn.execute(insert(Notification), [_mail(f"bench/expired/{k}", None, now - timedelta(days=400 + k % 30))
                                                for k in range(2 * due)])
    reviews = min(REVIEWS, due)
    size = {"cops": cops, "people": people, "due": due, "reviews": reviews, "purge_due": 2 * due}
    for start in range(0, cops, 5000):
        rows: dict[Any, list[dict[str, Any]]] = {t: [] for t in (Cop, Charter, GateEvidence, Membership, Activity,
                                                                 Attendance, MeetingSeries, Action, Notification,
                                                                 Document)}
        for i in range(start, min(start + 5000, cops)):
            _cop(rows, i, rng.randrange(people), people, members_per_cop, due, reviews, today, now)
        with engine.begin() as conn:
            for table, batch in rows.items():
                if batch:
                    conn.execute(insert(table), batch)
        for table, batch in rows.items():
            size[table.__tablename__] = size.get(table.__tablename__, 0) + len(batch)
    return size


def _cop(rows: dict[Any, list[dict[str, Any]]], i: int, base: int, people: int, members_per_cop: int, due: int,
         reviews: int, today: date, now: datetime) -> None:
    cop_id, far = i + 1, today + timedelta(days=200 + i % 100)
    is_due, in_review = i < due, due <= i < due + reviews
    stage = "planning" if is_due else "reviewing" if in_review else STAGES_NOT_DUE[i % len(STAGES_NOT_DUE)]
    entered = today - 6 * WEEK + timedelta(days=7) if is_due else today - timedelta(days=10)
    rows[Cop].append({"id": cop_id, "slug": f"cop-{i:06d}", "name": f"Community {i}", "timezone": ZONE,
                      "stage": stage, "stage_entered_on": entered, "stage_visit": 2 if is_due else 3,
                      "next_due_on": entered + 6 * WEEK if is_due else far,
                      "next_due_gate": "sponsor_meeting_done" if is_due else "review_passed" if in_review
                      else "review_due", "next_review_on": None if is_due or in_review else far,
                      "review_anchor_on": today - timedelta(days=100), "created_at": now, "version": 1})
    rows[Charter].append({"cop_id": cop_id, "version": "1.0", "purpose": "share practice", "aims": ["learn"],
                          "annual_targets": ["1 seminar", "2 blog posts"], "review_dates": [far.isoformat()],
                          "review_cadence_months": None, "link": "https://x.org", "published_on": today})
    rows[GateEvidence].append({"cop_id": cop_id, "stage": "forming", "stage_visit": 1, "gate": "core_group_formed",
                               "payload": {"domain": "practice"}, "recorded_by": "od@uni.example.org",
                               "recorded_at": now - timedelta(days=120)})
    held = today - timedelta(days=30 + i % 200)
    for k, (kind, title) in enumerate((("lunch_and_learn", "Lunch and learn"), ("blog", "What we learnt"))):
        rows[Activity].append({"id": 2 * i + k + 1, "cop_id": cop_id, "kind": kind, "title": title, "held_on": held,
                               "recorded_by": "od@uni.example.org", "created_at": now})
    roles = DUE_ROSTER if is_due else [_role(j) for j in range(members_per_cop)]
    members = [((base + j * 7) % people + 1, role) for j, role in enumerate(roles)]
    rows[Attendance] += [{"activity_id": 2 * i + 1, "person_id": pid} for pid, _ in members[:3]]
    rows[Membership] += [{"cop_id": cop_id, "person_id": pid, "role": role, "joined_on": today - timedelta(days=300)}
                         for pid, role in members]
    if in_review and i % 2:
        rows[Document].append({"cop_id": cop_id, "kind": "evaluation", "title": "Evaluation", "stage_visit": 3,
                               "content": "# Evaluation\n\n## Recommendation: continue\n", "created_by": "copflow",
                               "created_at": now})
    if is_due:
        _due_extras(rows, i, members, due, today, now)
    elif not in_review:
        _history(rows, i, members, today, now)


def _role(j: int) -> str:
    return "coordinator" if j == 0 else "lead" if j == 1 else "sponsor" if j == 2 else ROLES_TAIL[j % len(ROLES_TAIL)]


def _due_extras(rows: dict[Any, list[dict[str, Any]]], i: int, members: list[tuple[int, str]], due: int,
                today: date, now: datetime) -> None:
    """A check-in in 2 days and an action due in 3 (a fifth of the due CoPs), a sponsor catch-up in 2 (a tenth)."""
    meets = today + timedelta(days=2)
    if i < due // 5:  # every four weeks, so the agenda looks back on the last check-in
        rows[MeetingSeries].append(_series(i, "checkin", members, meets - 4 * WEEK, "FREQ=WEEKLY;INTERVAL=4", now,
                                           next_on=meets))
        rows[Action].append(_action(i, members[0][0], today + timedelta(days=3), "open", now))
    if i < due // 10:
        rows[MeetingSeries].append(_series(i, "sponsor_catchup", members, meets, "FREQ=MONTHLY;INTERVAL=3", now))


def _history(rows: dict[Any, list[dict[str, Any]]], i: int, members: list[tuple[int, str]], today: date,
             now: datetime) -> None:
    """What a CoP with nothing due today has: meetings ahead, actions due later and overdue, mail sent."""
    if STAGES_NOT_DUE[i % len(STAGES_NOT_DUE)] == "active":
        rows[MeetingSeries].append(_series(i, "checkin", members, today + timedelta(days=6 + i % 20),
                                           "FREQ=MONTHLY", now, cancelled=i % 50 == 0))
        rows[MeetingSeries].append(_series(i, "sponsor_catchup", members, today + timedelta(days=10 + i % 60),
                                           "FREQ=MONTHLY;INTERVAL=3", now))
    owner = members[0][0]
    rows[Action] += [_action(i, owner, today + timedelta(days=30 + i % 200), "open", now),
                     _action(i, owner, today - timedelta(days=30 + i % 200), "open", now),
                     _action(i, owner, today - timedelta(days=60), "done", now)]
    rows[Notification] += [_mail(f"bench/{i}/recent", i + 1, now - timedelta(days=1 + i % 300)),
                           _mail(f"bench/{i}/purged", i + 1, now - timedelta(days=400 + i % 300), purged=True)]


@cache
def _settings() -> Settings:
    return load_settings()


def _series(i: int, kind: str, members: list[tuple[int, str]], first: date, rule: str, now: datetime, *,
            next_on: date | None = None, cancelled: bool = False) -> dict[str, Any]:
    """A series at 12:30 in the CoP's zone; `next_held_at` as the sweep keeps it (its next occurrence)."""
    starts = datetime.combine(first, time(12, 30)).replace(tzinfo=ZoneInfo(ZONE)).astimezone(UTC)
    upcoming = datetime.combine(next_on or first, time(12, 30)).replace(tzinfo=ZoneInfo(ZONE)).astimezone(UTC)
    return {"cop_id": i + 1, "kind": kind, "uid": f"cop-{i:06d}.{kind}.1@copflow", "sequence": 0,
            "summary": f"{kind}: Community {i}", "starts_at": starts, "duration_minutes": 45, "rrule": rule,
            "status": "cancelled" if cancelled else "scheduled", "created_at": now - timedelta(days=60),
            "tzid": ZONE, "starts_local": f"{first.isoformat()}T12:30", "location": "Room 1",
            # organised by the programme's mailbox, as copflow sends them (a lead's would be sent again by the sweep)
            "organizer_email": organizer_address(f"cop-{i:06d}", _settings()),
            "attendees": [[f"p{pid - 1}@uni.example.org", f"Person {pid - 1}", role] for pid, role in members
                          if role in ATTENDS[kind]],
            "cancelled_occurrences": [], "skipped_occurrences": [], "next_held_at": None if cancelled else upcoming}


def _action(i: int, owner: int, due_on: date, status: str, now: datetime) -> dict[str, Any]:
    return {"cop_id": i + 1, "title": f"Action of Community {i} due {due_on}", "owner_id": owner, "due_on": due_on,
            "status": status, "created_at": now - timedelta(days=90), "created_by": "lead@uni.example.org",
            "closed_at": now - timedelta(days=20) if status == "done" else None, "updated_at": now, "version": 1}


def _mail(key: str, cop_id: int | None, sent: datetime, *, purged: bool = False) -> dict[str, Any]:
    return {"idempotency_key": key, "cop_id": cop_id, "kind": "gate_reminder",
            "recipient": "" if purged else "p1@uni.example.org", "recipient_name": None if purged else "Person 1",
            "subject": "" if purged else "Reminder", "body_text": "" if purged else "A reminder.",
            "body_html": None, "status": "sent", "attempts": 1, "next_attempt_at": sent, "created_at": sent,
            "sent_at": sent, "purged_at": sent + timedelta(days=366) if purged else None,
            "recipient_hash": "0" * 64 if purged else None}
