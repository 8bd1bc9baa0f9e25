"""The demo's review evidence for Events Management, written as the files staff would have and imported
through the same importers users run: a people extract (CSV), an attendance log (CSV), an activity and
output log (CSV) and a Microsoft Forms survey export (Excel)."""

from __future__ import annotations

import csv
import random
from datetime import date, datetime, timedelta
from pathlib import Path

from copflow.db.uow import UnitOfWork
from copflow.demo.data import DOMAIN
from copflow.demo.days import DemoDays
from copflow.services.imports.activities import import_activities, import_attendance
from copflow.services.imports.people import import_people
from copflow.services.imports.survey import import_survey
from lifecycle import Policy
from lifecycle.practice import BENCHMARK_STATEMENTS

SLUG = "events-management"
WIDER = [("kai.brown", "Kai Brown", "Faculty of Arts"), ("lena.fox", "Lena Fox", "Alumni Relations"),
         ("mo.ali", "Mo Ali", "Student Experience"), ("nina.rossi", "Nina Rossi", "Estates"),
         ("omar.said", "Omar Said", "Faculty of Engineering"), ("pia.berg", "Pia Berg", "Library Services"),
         ("raj.iyer", "Raj Iyer", "Communications and Marketing"), ("sofia.diaz", "Sofía Díaz", "Finance"),
         ("theo.young", "Theo Young", "Human Resources"), ("uma.shah", "Uma Shah", "Research Services")]
ANSWERS = ["Strongly agree"] * 3 + ["Agree"] * 6 + ["Neither agree nor disagree", "Disagree"]


def import_members(folder: Path, url: str, today: date, now: datetime, policy: Policy) -> Path:
    """The people extract of Events Management's wider members (joined over its first weeks), imported in the
    walk-through before its review opens, so the review's survey call reaches every member."""
    folder.mkdir(parents=True, exist_ok=True)
    launch = today - timedelta(days=390)
    people = folder / "people.csv"
    _csv(people, ["email", "name", "department", "line_manager", "cop", "role", "joined_on"],
         [[f"{u}@{DOMAIN}", n, d, f"head.{u.split('.')[1]}@{DOMAIN}", SLUG, "wider",
           (launch + timedelta(days=7 * i)).isoformat()] for i, (u, n, d) in enumerate(WIDER)])
    import_people(UnitOfWork(url), people, now=now, policy=policy)
    return people


def write_and_import(folder: Path, url: str, today: date, now: datetime, policy: Policy, by: str) -> list[Path]:
    """The review's evidence: attendance, activities and the survey export (the people came earlier)."""
    rnd = random.Random(2021)
    folder.mkdir(parents=True, exist_ok=True)
    launch = today - timedelta(days=390)
    days = DemoDays(policy)

    def on(n: int) -> date:
        """n days after the launch, on a working day (events and check-ins are held on one)."""
        return days.held(launch + timedelta(days=n))

    members = [f"{u}@{DOMAIN}" for u, _, _ in WIDER] + [f"{u}@{DOMAIN}" for u in ("eve.nowak", "femi.adeyemi",
                                                                                    "grace.lee")]
    events = [(on(30 + 60 * i), "lunch_and_learn", t) for i, t in enumerate(
        ["Venue booking without tears", "Accessible events", "Hybrid events kit", "Catering contracts",
         "Event feedback that gets read"])] + [(on(200), "seminar", "Events after the pandemic")]
    attendance = folder / "attendance.csv"
    _csv(attendance, ["cop", "kind", "title", "date", "email"],
         [[SLUG, kind, title, day.isoformat(), who] for day, kind, title in events
          for who in rnd.sample(members, rnd.randint(5, 11))])
    activities = folder / "activities.csv"
    rows = [[SLUG, "check_in", f"Core group check-in {i + 1}", on(10 + 31 * i).isoformat(),
             "", ""] for i in range(11)]
    rows += [[SLUG, "sponsor_catch_up", f"Sponsor catch-up {i + 1}", on(20 + 42 * i).isoformat(),
              "", ""] for i in range(7)]
    rows += [[SLUG, "blog", "Ten lessons from Open Day", on(120).isoformat(),
              "https://blogs.uni.example.org/events/open-day", ""],
             [SLUG, "blog", "Greener events", on(260).isoformat(),
              "https://blogs.uni.example.org/events/greener", ""],
             [SLUG, "newsletter_article", "Meet the Events CoP", on(150).isoformat(), "",
              "Staff newsletter, spring issue"]]
    _csv(activities, ["cop", "kind", "title", "date", "link", "notes"], rows)
    survey = folder / "survey.xlsx"
    _survey(survey, rnd, today)

    uow = UnitOfWork(url)
    import_attendance(uow, attendance, by=by, now=now, policy=policy)
    import_activities(uow, activities, by=by, now=now, policy=policy)
    import_survey(uow, survey, slug=SLUG, survey=f"review {today.year}", now=now, policy=policy)
    return [folder / "people.csv", attendance, activities, survey]


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def _survey(path: Path, rnd: random.Random, today: date) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["ID", "Start time", "Completion time", "Email", "Name",
                  *[s.text for s in BENCHMARK_STATEMENTS], "The venue guide saves me time"])
    for i in range(12):
        done = datetime.combine(today - timedelta(days=20 - i), datetime.min.time()) + timedelta(hours=10)
        sheet.append([i + 1, done - timedelta(minutes=6), done, "anonymous", "",
                      *[rnd.choice(ANSWERS) for _ in BENCHMARK_STATEMENTS], rnd.choice(ANSWERS[:4])])
    book.save(path)
