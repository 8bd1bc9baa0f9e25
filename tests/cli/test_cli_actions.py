"""`copflow action …` as a user runs it: a real process, a real SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.cli.test_cli import cf

D = "uni.example.org"
BOARD = Path(__file__).resolve().parents[1] / "corpus" / "trello_board.json"


def test_an_action_added_closed_reopened_and_listed(seeded):
    r = cf(seeded, "action", "add", "data-insight", "--title", "Book the seminar room", "--owner", f"bob@{D}",
           "--due", "2026-03-05", "--notes", "Room B12")
    assert r.stdout.strip() == (f"data-insight: action 1 'Book the seminar room' (bob@{D}, due 2026-03-05) added")
    cf(seeded, "action", "add", "data-insight", "--title", "Write the blog post", "--owner", f"ann@{D}",
       "--due", "2026-03-02")
    assert "done" in cf(seeded, "action", "done", "1", "--note", "booked").stdout
    refused = cf(seeded, "action", "drop", "1", ok=False)
    assert (refused.returncode, refused.stderr.strip()) == (
        1, "copflow: error: action 1 is done: it cannot be marked dropped (reopen it first)")
    assert "reopened" in cf(seeded, "action", "reopen", "1").stdout
    later = {**seeded, "COPFLOW_NOW": "2026-03-04T09:00:00+00:00"}
    listed = json.loads(cf(later, "action", "list", "data-insight", "--json").stdout)
    assert [(a["id"], a["status"], a["overdue"], a["owner_email"]) for a in listed] == [
        (2, "open", True, f"ann@{D}"), (1, "open", False, f"bob@{D}")]
    assert "(overdue)" in cf(later, "action", "list", "data-insight").stdout
    cf(later, "action", "edit", "1", "--due", "2026-03-10")
    history = json.loads(cf(seeded, "action", "history", "1", "--json").stdout)
    assert [(h["kind"], h["by"], h["via"]) for h in history] == [
        ("created", "od@uni.example.org", "cli"), ("done", "od@uni.example.org", "cli"),
        ("reopened", "od@uni.example.org", "cli"), ("edited", "od@uni.example.org", "cli")]
    assert history[3]["changes"] == {"due_on": ["2026-03-05", "2026-03-10"]}
    assert "edited: due_on 2026-03-05 → 2026-03-10" in cf(seeded, "action", "history", "1").stdout


def test_a_due_date_on_a_weekend_or_holiday_is_kept_with_a_one_line_note(seeded):
    r = cf(seeded, "action", "add", "data-insight", "--title", "Send the minutes", "--owner", f"bob@{D}",
           "--due", "2026-03-07")
    assert r.stdout.splitlines() == [
        f"data-insight: action 1 'Send the minutes' (bob@{D}, due 2026-03-07) added",
        "Note: Saturday 7 March 2026 is not a working day (a Saturday); the action is due then all the same. "
        "To move it: copflow action edit 1 --due YYYY-MM-DD"]
    moved = cf(seeded, "action", "edit", "1", "--due", "2026-04-06")  # Easter Monday
    assert moved.stdout.splitlines()[1].startswith("Note: Monday 6 April 2026 is not a working day (Easter Monday)")
    assert len(cf(seeded, "action", "edit", "1", "--due", "2026-04-07").stdout.splitlines()) == 1  # a Tuesday
    assert len(cf(seeded, "action", "edit", "1", "--title", "Send the notes").stdout.splitlines()) == 1


def test_a_trello_board_imported_after_a_dry_run(seeded, tmp_path):
    members = tmp_path / "members.csv"
    members.write_text(f"username,email\nannlee,ann@{D}\nbobkay3,bob@{D}\ncatng,dir@{D}\n", encoding="utf-8")
    dry = cf(seeded, "action", "import", "data-insight", str(BOARD), "--members", str(members), "--dry-run")
    assert dry.stdout.strip().endswith("would write 5 actions added, 1 done, 2 dropped (dry run: nothing written)")
    assert json.loads(cf(seeded, "action", "list", "data-insight", "--json").stdout) == []
    cf(seeded, "action", "import", "data-insight", str(BOARD), "--members", str(members))
    assert len(json.loads(cf(seeded, "action", "list", "data-insight", "--status", "open", "--json").stdout)) == 2
    members.write_text(f"username,email\nannlee,ann@{D}\n", encoding="utf-8")
    refused = cf(seeded, "action", "import", "data-insight", str(BOARD), "--members", str(members), "--skip-existing",
                 ok=False)
    # Every unmatched card on stdout, one line on stderr.
    assert refused.returncode == 1 and "bobkay3 (Bob Kay)" in refused.stdout and "catng (Cat Ng)" in refused.stdout
    assert refused.stderr.count("\n") == 1 and "nothing written" in refused.stderr


def test_action_commands_do_not_import_prefect(seeded):
    code = ("import sys; from copflow.cli.main import run; sys.argv=['copflow','action','list','data-insight']\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "print('PREFECT' if any(m.split('.')[0]=='prefect' for m in sys.modules) else 'NO-PREFECT', file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code], env=seeded, capture_output=True, text=True, timeout=60)
    assert r.stderr.strip().endswith("NO-PREFECT"), r.stderr
