"""`copflow activity attendance`: a check-in's attendance pre-filled from the accepts, recorded only once the lead
confirms it."""

from __future__ import annotations

import os
import subprocess

from sqlalchemy import select

from copflow.db.models import Activity, Attendance
from copflow.db.uow import UnitOfWork
from tests.cli.test_cli import EXE
from tests.integration.helpers import D, at, to_active
from tests.integration.rsvp_helpers import apply, reply


def run(db_url: str, tmp_path, *args: str, answer: str = "") -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPFLOW_")}
    env.update({"COPFLOW_HOME": str(tmp_path / "cli"), "COPFLOW_DATABASE_URL": db_url,
                "COPFLOW_NOW": "2025-05-14T09:00:00+00:00", "COPFLOW_USER": f"ann@{D}"})
    return subprocess.run([EXE, "activity", "attendance", "data-insight", *args], env=env, input=answer,
                          capture_output=True, text=True, timeout=120)


def recorded(db_url: str) -> list[tuple[str, int]]:
    with UnitOfWork(db_url) as u:
        return [(a.kind, len(u.session.scalars(select(Attendance).where(Attendance.activity_id == a.id)).all()))
                for a in u.session.scalars(select(Activity).where(Activity.kind == "check_in"))]


def test_the_attendance_is_pre_filled_from_the_accepts_and_waits_for_the_lead(db_url, tmp_path):  # type: ignore[no-untyped-def]
    to_active(db_url)
    apply(db_url, reply(db_url, "checkin", "ann", "ACCEPTED"), "ann", at(91))
    apply(db_url, reply(db_url, "checkin", "bob", "ACCEPTED", occurrence_utc="2025-05-13T11:30:00Z"), "bob", at(91))
    apply(db_url, reply(db_url, "checkin", "cat", "DECLINED"), "cat", at(91))
    refused = run(db_url, tmp_path, "--date", "2025-05-13", answer="n\n")
    assert refused.returncode == 1, refused.stderr
    assert f"[x] Ann Lee <ann@{D}> (answered: accepted)" in refused.stdout
    assert f"[x] Bob Kay <bob@{D}> (answered: accepted)" in refused.stdout
    assert f"[ ] Cat Ng <cat@{D}> (answered: declined)" in refused.stdout
    assert recorded(db_url) == []  # not confirmed: nothing written
    done = run(db_url, tmp_path, "--date", "2025-05-13", answer="y\n")
    assert done.returncode == 0, done.stderr
    assert "check_in 'Core group check-in' on 2025-05-13 recorded with 2 attendee(s)" in done.stdout
    assert recorded(db_url) == [("check_in", 2)]
    again = run(db_url, tmp_path, "--date", "2025-05-13", "--yes")
    assert again.returncode == 2 and "recorded already" in again.stderr
    no_meeting = run(db_url, tmp_path, "--date", "2025-05-12", "--yes")
    assert no_meeting.returncode == 1 and "held no core group check-in on 2025-05-12" in no_meeting.stderr
