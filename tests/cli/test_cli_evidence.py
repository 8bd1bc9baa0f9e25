"""Review evidence from the command line: imports with a dry run and every bad row listed, single activities
and outputs, and the evaluation report."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.test_cli import cf

D = "uni.example.org"


LATER = "2026-05-01T09:00:00+00:00"  # the CoP was created on 2026-03-02


def later(env: dict[str, str]) -> dict[str, str]:
    return {**env, "COPFLOW_NOW": LATER}


def count(env: dict[str, str], table: str) -> int:
    con = sqlite3.connect(Path(env["COPFLOW_HOME"]) / "copflow.db")
    try:
        return con.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        con.close()


def test_import_dry_run_then_for_real(seeded, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(f"email,name,department,cop,role\ncat@{D},Cat Ng,Finance,data-insight,core\n"
                      f"dee@{D},Dee Ray,HR,data-insight,wider\n", encoding="utf-8")
    before = count(seeded, "person")
    dry = cf(seeded, "import", "people", str(people), "--dry-run")
    assert "would write 2 people added, 2 memberships added (dry run: nothing written)" in dry.stdout
    assert count(seeded, "person") == before
    real = cf(seeded, "import", "people", str(people))
    assert "wrote 2 people added, 2 memberships added" in real.stdout and count(seeded, "person") == before + 2


def test_every_bad_row_is_listed_and_the_error_is_one_line(seeded, tmp_path):
    seeded = later(seeded)
    bad = tmp_path / "attendance.csv"
    bad.write_text(f"cop,title,date,email\ndata-insight,Talk,2026-04-10,nobody@{D}\n"
                   f"data-insight,Talk,2027-04-10,ann@{D}\ndata-insight,=cmd|' /C calc'!A0,2026-04-10,ann@{D}\n",
                   encoding="utf-8")
    r = cf(seeded, "import", "attendance", str(bad), ok=False)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        f"copflow: error: {bad}: 3 problems, nothing written; row 2, email: unknown person nobody@{D}; "
        "import people first (and 2 more)"]
    for text in ("row", "unknown person", "is in the future", "spreadsheet formula"):
        assert text in r.stdout
    assert count(seeded, "activity") == 0 and count(seeded, "attendance") == 0


def test_an_attendance_sheet_imported_again_with_skip_existing_adds_only_new_rows(seeded, tmp_path):
    seeded = later(seeded)
    sheet = tmp_path / "attendance.csv"
    sheet.write_text(f"cop,title,date,email\ndata-insight,Talk,2026-04-10,ann@{D}\n", encoding="utf-8")
    cf(seeded, "import", "attendance", str(sheet))
    with sheet.open("a", encoding="utf-8") as f:
        f.write(f"data-insight,Second talk,2026-04-24,ann@{D}\n")
    refused = cf(seeded, "import", "attendance", str(sheet), ok=False)
    assert "--skip-existing" in refused.stdout and count(seeded, "attendance") == 1
    r = cf(seeded, "import", "attendance", str(sheet), "--skip-existing")
    assert "wrote 1 event added, 1 attendance added; 1 already recorded, skipped" in r.stdout
    assert count(seeded, "attendance") == 2


def test_log_an_event_an_output_and_list_them(seeded):
    seeded = later(seeded)
    r = cf(seeded, "activity", "log", "data-insight", "--kind", "lunch & learn", "--title", "Pivot tables",
           "--date", "2026-04-10", "--attendee", f"ann@{D}", "--attendee", f"bob@{D}")
    assert "lunch_and_learn 'Pivot tables' on 2026-04-10 recorded with 2 attendee(s)" in r.stdout
    cf(seeded, "output", "log", "data-insight", "--kind", "blog", "--title", "What we learnt", "--date", "2026-04-20",
       "--link", "https://blog.example.org/1")
    again = cf(seeded, "output", "log", "data-insight", "--kind", "blog", "--title", "What we learnt", "--date",
               "2026-04-20", ok=False)
    assert again.returncode == 1 and "already exists" in again.stderr
    wrong = cf(seeded, "output", "log", "data-insight", "--kind", "seminar", "--title", "X", "--date", "2026-04-20",
               ok=False)
    assert "seminar is not an output kind" in wrong.stderr
    listed = cf(seeded, "activity", "list", "data-insight", "--json")
    assert '"title": "Pivot tables"' in listed.stdout and '"attendees": 2' in listed.stdout


def test_review_report_writes_html_and_markdown(seeded):
    seeded = later(seeded)
    cf(seeded, "activity", "log", "data-insight", "--kind", "seminar", "--title", "Data week", "--date", "2026-04-10",
       "--attendee", f"ann@{D}")
    r = cf(seeded, "review", "report", "data-insight", "--markdown")
    assert "# Review of Data and Insight" in r.stdout and "recommendation" in r.stdout
    html = Path(seeded["COPFLOW_HOME"]) / "reports" / "data-insight" / "review-2026-05-01.html"
    assert f"report: {html}" in r.stdout and html.read_text(encoding="utf-8").count("<svg") >= 1
    assert html.with_suffix(".md").is_file()
