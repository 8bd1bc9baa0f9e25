"""A reproducible portfolio for benchmarks: CoPs in every stage, people across departments, memberships,
charters with review dates, and attendance history (a lunch & learn with attendees and a blog per CoP, so
the sweep is measured beside the review evidence it must not touch). Bulk inserts through SQLAlchemy Core,
so 100,000 CoPs take seconds, not hours.

`due` CoPs are in planning with the sponsor meeting due in 7 days (each owes a reminder to its two leads);
every other CoP's next due date lies beyond the reminder horizon.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from copflow.db.engine import get_engine
from copflow.db.migrate import upgrade
from copflow.db.models import Activity, Attendance, Charter, Cop, Membership, Person

DEPARTMENTS = [f"Department {i:03d}" for i in range(120)]
ROLES_TAIL = ["core", "core", "wider", "wider", "wider", "wider", "wider", "member_support", "information_resources"]
STAGES_NOT_DUE = ["forming", "launching", "active", "active", "active", "active", "reviewing"]


def populate(url: str, *, cops: int, members_per_cop: int, due: int, today: date, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    upgrade(url)
    engine = get_engine(url)
    now = datetime.combine(today, datetime.min.time(), UTC)
    people = max(members_per_cop * 20, 2000)
    with engine.begin() as conn:
        conn.execute(insert(Person), [
            {"email": f"p{i}@uni.example.org", "name": f"Person {i}", "department": rng.choice(DEPARTMENTS),
             "line_manager_email": f"m{i % 400}@uni.example.org", "created_at": now} for i in range(people)])
    week = timedelta(weeks=1)
    batch = 5000
    for start in range(0, cops, batch):
        rows, charters, members, activities, attendance = [], [], [], [], []
        for i in range(start, min(start + batch, cops)):
            is_due = i < due
            stage = "planning" if is_due else STAGES_NOT_DUE[i % len(STAGES_NOT_DUE)]
            entered = today - 6 * week + timedelta(days=7) if is_due else today - timedelta(days=10)
            far = today + timedelta(days=200 + i % 100)
            rows.append({"id": i + 1, "slug": f"cop-{i:06d}", "name": f"Community {i}", "timezone": "Europe/London",
                         "stage": stage, "stage_entered_on": entered, "stage_visit": 2 if is_due else 3,
                         "next_due_on": entered + 6 * week if is_due else far,
                         "next_due_gate": "sponsor_meeting_done" if is_due else "review_due",
                         "next_review_on": None if is_due else far, "review_anchor_on": today - timedelta(days=100),
                         "created_at": now, "version": 1})
            charters.append({"cop_id": i + 1, "version": "1.0", "purpose": "share practice", "aims": ["learn"],
                             "annual_targets": ["1 seminar", "2 blog posts"], "review_dates": [far.isoformat()],
                             "review_cadence_months": None, "link": "https://x.org", "published_on": today})
            base = rng.randrange(people)
            held = today - timedelta(days=30 + i % 200)
            for k, (kind, title) in enumerate((("lunch_and_learn", "Lunch and learn"), ("blog", "What we learnt"))):
                activities.append({"id": 2 * i + k + 1, "cop_id": i + 1, "kind": kind, "title": title,
                                   "held_on": held, "recorded_by": "od@uni.example.org", "created_at": now})
            attendance += [{"activity_id": 2 * i + 1, "person_id": (base + j * 7) % people + 1}
                           for j in range(min(3, members_per_cop))]
            for j in range(members_per_cop):
                role = "coordinator" if j == 0 else "lead" if j == 1 else "sponsor" if j == 2 else \
                    ROLES_TAIL[j % len(ROLES_TAIL)]
                members.append({"cop_id": i + 1, "person_id": (base + j * 7) % people + 1, "role": role,
                                "joined_on": today - timedelta(days=300)})
        with engine.begin() as conn:
            conn.execute(insert(Cop), rows)
            conn.execute(insert(Charter), charters)
            conn.execute(insert(Membership), members)
            conn.execute(insert(Activity), activities)
            conn.execute(insert(Attendance), attendance)
    return {"cops": cops, "memberships": cops * members_per_cop, "people": people, "due": due,
            "activities": cops * 2, "attendances": cops * min(3, members_per_cop)}
