"""The `copflow` command as a user runs it: a real process, a real SQLite file."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXE = str(Path(sys.executable).with_name("copflow"))
NOW = "2026-03-02T09:00:00+00:00"


def cf(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([EXE, *args], env=env, capture_output=True, text=True, timeout=120)
    if ok:
        assert r.returncode == 0, r.stderr
    return r


def rows(env: dict[str, str]) -> dict[str, int]:
    import sqlite3

    con = sqlite3.connect(Path(env["COPFLOW_HOME"]) / "copflow.db")
    try:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0]
                for t in ("cop", "person", "membership", "gate_evidence", "transition", "notification")}
    finally:
        con.close()


def test_a_gate_recorded_and_passed_from_the_command_line(seeded):
    cf(seeded, "gate", "record", "data-insight", "core_group_formed", "-f", "domain=Data for decisions",
       "-f", "formed_on=2026-02-20")
    r = cf(seeded, "advance", "data-insight")
    assert "data-insight: forming → planning" in r.stdout
    status = json.loads(cf(seeded, "status", "--json").stdout)
    assert status == [{"slug": "data-insight", "name": "Data and Insight", "stage": "planning",
                       "next_gate": "sponsor meeting done", "due_on": "2026-04-13", "overdue_days": 0,
                       "next_review_on": None, "health": "on track"}]
    shown = json.loads(cf(seeded, "cop", "show", "data-insight", "--json").stdout)
    assert shown["transitions"][0]["by"] == "od@uni.example.org"
    # Embedded default: the stage-change notices went straight to the Maildir.
    maildir = Path(seeded["COPFLOW_HOME"]) / "maildir" / "new"
    assert len(list(maildir.iterdir())) == 3
    table = cf(seeded, "status").stdout
    assert "data-insight" in table and "sponsor meeting done" in table


def test_status_filters_and_exports_csv_a_spreadsheet_opens_safely(seeded):
    cf(seeded, "cop", "create", "formula", "--name", '=HYPERLINK("http://evil.example","x")')
    assert json.loads(cf(seeded, "status", "--overdue", "--json").stdout) == []
    # Both core groups were due on 2026-05-25, the Spring bank holiday (GB-ENG): so due the day after
    later = {**seeded, "COPFLOW_NOW": "2026-06-01T09:00:00+00:00"}
    overdue = json.loads(cf(later, "status", "--overdue", "--json").stdout)
    assert [(r["slug"], r["overdue_days"]) for r in overdue] == [("data-insight", 6), ("formula", 6)]
    assert json.loads(cf(later, "status", "--reviews-within", "90", "--json").stdout) == []
    import csv
    import io

    table = list(csv.DictReader(io.StringIO(cf(later, "status", "--csv").stdout)))
    assert list(table[0]) == ["slug", "name", "stage", "next_gate", "due_on", "overdue_days", "next_review_on",
                              "health"]
    assert table[1]["name"] == '\'=HYPERLINK("http://evil.example","x")' and table[0]["overdue_days"] == "6"
    r = cf(seeded, "status", "--json", "--csv", ok=False)
    assert r.returncode != 0 and r.stderr == "copflow: error: --json and --csv: choose one\n"


def test_a_member_leaves_and_the_history_keeps_them(seeded):
    seeded = {**seeded, "COPFLOW_NOW": "2026-05-01T09:00:00+00:00"}  # joined 2026-03-02
    r = cf(seeded, "member", "leave", "data-insight", "dir@uni.example.org", "--on", "2026-04-30")
    assert r.stdout == "dir@uni.example.org left data-insight (sponsor)\n"
    shown = json.loads(cf(seeded, "cop", "show", "data-insight", "--json").stdout)
    assert "dir@uni.example.org" not in {m["email"] for m in shown["members"]}
    [former] = shown["former_members"]
    assert (former["email"], former["role"], former["left_on"]) == ("dir@uni.example.org", "sponsor", "2026-04-30")
    assert "Former members" in cf(seeded, "cop", "show", "data-insight").stdout
    again = cf(seeded, "member", "leave", "data-insight", "dir@uni.example.org", ok=False)
    assert again.stderr == "copflow: error: email: dir@uni.example.org is not a member of data-insight\n"


def test_parked_mail_is_retried_from_the_command_line(seeded, smtp):
    env = {**seeded, "COPFLOW_SMTP_HOST": "127.0.0.1", "COPFLOW_SMTP_PORT": str(smtp.port)}
    smtp.refuse = {"ann@uni.example.org": "552 5.2.2 mailbox full"}
    cf(env, "gate", "record", "data-insight", "core_group_formed", "-f", "domain=Data", "-f", "formed_on=2026-02-20")
    cf(env, "advance", "data-insight")  # the stage-change notices go at once; Ann's is parked
    [parked] = json.loads(cf(env, "outbox", "list", "--status", "parked", "--json").stdout)
    assert parked["to"] == "ann@uni.example.org" and "552 5.2.2 mailbox full" in parked["error"]
    smtp.refuse = {}
    r = cf(env, "outbox", "retry", "--all-parked")
    assert r.stdout == f"1 parked message(s) queued again: {parked['id']}\n"
    assert "ann@uni.example.org" in {rcpt for m in smtp.received for rcpt in m.rcpt_tos}
    assert json.loads(cf(env, "outbox", "list", "--status", "parked", "--json").stdout) == []
    again = cf(env, "outbox", "retry", str(parked["id"]), ok=False)
    assert again.stderr == f"copflow: error: id: only parked messages are sent again: {parked['id']} is sent\n"


BAD_INPUT = [
    (["person", "add", "not-an-email", "--name", "X"], "not a valid email address", "person"),
    (["person", "add", "ann@uni.example.org", "--name", "Again"], "already exists", "person"),
    (["cop", "show", "nope"], "no CoP 'nope'", None),
    (["member", "add", "nope", "ann@uni.example.org", "--role", "lead"], "no CoP 'nope'", "membership"),
    (["member", "add", "data-insight", "ann@uni.example.org", "--role", "boss"], "unknown role 'boss'", "membership"),
    (["cop", "create", "data-insight", "--name", "Dup"], "CoP 'data-insight' already exists", "cop"),
    (["cop", "create", "Bad Slug", "--name", "X"], "slug", "cop"),
    (["advance", "data-insight"], "cannot leave forming", "transition"),
    (["advance", "data-insight", "--to", "active"], "no transition leads there", "transition"),
    (["gate", "record", "data-insight", "launch_held", "-f", "held_on=2026-01-01"], "gate launch_held is not open",
     "gate_evidence"),
    (["gate", "record", "data-insight", "core_group_formed", "-f", "formed_on=2026-03-09"], "in the future",
     "gate_evidence"),
    (["gate", "record", "data-insight", "core_group_formed", "-f", "formed_on"], "--field takes KEY=VALUE",
     "gate_evidence"),
    (["gate", "record", "data-insight", "no_such_gate"], "unknown gate 'no_such_gate'", "gate_evidence"),
    (["status", "--stage", "dormant"], "unknown stage 'dormant'", None),
]


@pytest.mark.parametrize(("args", "message", "table"), BAD_INPUT, ids=[" ".join(a[:2]) + f"-{i}"
                                                                       for i, (a, _, _) in enumerate(BAD_INPUT)])
def test_bad_input_is_one_line_nonzero_and_writes_nothing(seeded, args, message, table):
    before = rows(seeded)
    r = cf(seeded, *args, ok=False)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("copflow: error: "), r.stderr
    assert message in lines[0]
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert rows(seeded) == before


def test_a_database_without_tables_says_what_to_do(home):
    r = cf(home, "status", ok=False)
    assert r.returncode == 1
    db = Path(home["COPFLOW_HOME"]) / "copflow.db"
    assert r.stderr.strip() == f"copflow: error: no copflow database at {db}: run `copflow db upgrade` to create it"
    assert not db.exists()
    missing = {**home, "COPFLOW_HOME": str(Path(home["COPFLOW_HOME"]) / "nonexistent")}
    r = cf(missing, "status", ok=False)  # a read command on a missing home creates nothing
    assert r.returncode == 1 and "no copflow database at" in r.stderr
    assert not Path(missing["COPFLOW_HOME"]).exists()
    db.touch()  # a file without the tables: the same advice
    r = cf(home, "status", ok=False)
    assert r.stderr.strip() == "copflow: error: the database has no copflow tables yet: run `copflow db upgrade`"


def test_bad_policy_file_is_one_line(seeded, tmp_path):
    (tmp_path / "policy.toml").write_text("launch_weeks = 'soon'\n")
    r = cf({**seeded, "COPFLOW_POLICY": str(tmp_path / "policy.toml")}, "status", ok=False)
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "launch_weeks must be a whole number" in r.stderr


def test_status_does_not_import_prefect(seeded):
    code = ("import sys; from copflow.cli.main import run; sys.argv=['copflow','status','--json']\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "print('PREFECT' if any(m.split('.')[0]=='prefect' for m in sys.modules) else 'NO-PREFECT', file=sys.stderr)")
    for args in (["status"], ["gate", "record"], ["advance"], ["cop", "list"]):
        r = subprocess.run([sys.executable, "-c", code.replace("'status','--json'", ",".join(map(repr, args)))],
                           env=seeded, capture_output=True, text=True, timeout=60)
        assert r.stderr.strip().endswith("NO-PREFECT"), (args, r.stderr)


def test_every_command_has_help_text():
    import typer.main

    from copflow.cli.main import app

    def walk(cmd, path):  # type: ignore[no-untyped-def]
        yield path, cmd
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, [*path, name])

    commands = list(walk(typer.main.get_command(app), ["copflow"]))
    assert len(commands) >= 18
    for path, cmd in commands:
        assert (cmd.help or "").strip(), f"{' '.join(path)} has no help text"
        for param in cmd.params:
            if param.name != "help" and getattr(param, "param_type_name", "") == "option":
                assert (param.help or "").strip(), f"{' '.join(path)} --{param.name} has no help"


def test_diagram_prints_mermaid(home):
    assert cf(home, "diagram").stdout.startswith("stateDiagram-v2")


def test_meetings_from_the_command_line(seeded):
    r = cf(seeded, "meeting", "schedule", "data-insight", "sponsor_meeting", "--at", "2026-03-10T10:00",
           "--location", "Room 2.14")
    assert "scheduled data-insight.sponsor_meeting.1@copflow; invitations queued for 3 people" in r.stdout
    cf(seeded, "meeting", "reschedule", "data-insight", "data-insight.sponsor_meeting.1@copflow", "--at",
       "2026-03-11T10:00")
    [m] = json.loads(cf(seeded, "meeting", "list", "data-insight", "--json").stdout)
    assert (m["starts"], m["sequence"], m["status"]) == ("2026-03-11T10:00", 1, "scheduled")
    cf(seeded, "meeting", "cancel", "data-insight", "data-insight.sponsor_meeting.1@copflow", "--reason", "moved")
    maildir = Path(seeded["COPFLOW_HOME"]) / "maildir" / "new"
    methods = sorted(p.read_text().count("METHOD:CANCEL") > 0 for p in maildir.iterdir())
    assert methods == [False] * 6 + [True] * 3  # invite + update to 3 people, then the cancellation


@pytest.mark.parametrize(("args", "message"), [
    (["meeting", "schedule", "data-insight", "checkin", "--at", "next tuesday"], "--at must be a local date"),
    (["meeting", "schedule", "data-insight", "checkin", "--at", "2026-03-10T10:00+01:00"], "leave out the offset"),
    (["meeting", "schedule", "data-insight", "party", "--at", "2026-03-10T10:00"], "unknown meeting kind 'party'"),
    (["meeting", "cancel", "data-insight", "nope@copflow"], "no meeting of data-insight 'nope@copflow'"),
    (["notify", "preview", "nope"], "no preview 'nope'"),
])
def test_meeting_and_preview_mistakes(seeded, args, message):
    r = cf(seeded, *args, ok=False)
    assert r.returncode != 0 and r.stderr.startswith("copflow: error: ") and message in r.stderr
    assert r.stderr.count("\n") == 1


def test_every_message_kind_previews(home):
    from notifications.previews import PREVIEWS

    names = [line.split()[0] for line in cf(home, "notify", "preview").stdout.splitlines()]
    assert names == list(PREVIEWS) and len(names) == 37
    assert "to the OD manager: after each daily sweep" in cf(home, "notify", "preview").stdout
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert [n for n in names if f"`{n}`" not in readme] == []  # the README documents every message kind
    digest = cf(home, "notify", "preview", "od-digest").stdout
    assert digest.startswith("[sample] od-digest: sent to the OD manager, after each daily sweep")
    assert "Subject: CoP programme, Tuesday 1 December 2026: 1 CoP overdue, 1 review to decide" in digest
    assert "METHOD:CANCEL" in cf(home, "notify", "preview", "invitation-cancel", "--ics").stdout


def test_review_decide_mistakes_are_one_line(seeded):
    r = cf(seeded, "review", "decide", "data-insight", "--decision", "pass", "--reason", "x, as the review found", ok=False)
    assert r.returncode == 1 and r.stderr == "copflow: error: stage: data-insight is in stage forming, not under review\n"
    r = cf(seeded, "review", "decide", "data-insight", "--decision", "close", "--reason", "x, as the review found", "--closing-date",
           "soon", ok=False)
    assert r.returncode == 2 and "--closing-date must be YYYY-MM-DD" in r.stderr


def test_archive_verify_passes_and_fails_with_one_line(tmp_path, home):
    from notifications.archive import write_archive

    path, _ = write_archive(tmp_path, "x.zip", {"a.json": b"{}", "b.md": b"# b\n" * 100}, {"cop": {"slug": "x"}})
    ok = cf(home, "archive", "verify", str(path))
    assert "OK, 2 files match the manifest" in ok.stdout
    data = bytearray(path.read_bytes())
    data[len(data) // 4] ^= 0xFF
    path.write_bytes(bytes(data))
    bad = cf(home, "archive", "verify", str(path), ok=False)
    assert bad.returncode == 1 and "problem(s)" in bad.stderr.splitlines()[-1]
    missing = cf(home, "archive", "verify", str(tmp_path / "nope.zip"), ok=False)
    assert missing.returncode == 1 and missing.stderr.strip().endswith("no such file")


def test_split_child_syntax_is_checked(seeded):
    r = cf(seeded, "cop", "split", "data-insight", "--child", "only-a-slug", "--reason", "x, as the review found", ok=False)
    assert r.returncode == 2 and "--child takes SLUG:NAME:EMAIL" in r.stderr


def test_cop_show_speaks_the_vocabulary_and_json_keeps_machine_values(seeded):
    shown = cf(seeded, "cop", "show", "data-insight").stdout
    assert "— stage forming," in shown
    assert "Next gate: core group formed, due Tuesday 26 May 2026" in shown  # Monday 25 May: a bank holiday
    assert "Advance (to the planning stage): blocked" in shown
    assert not re.search(r"core_group_formed|od_manager_contact|_decided|→ \w+: (ready|blocked)", shown), shown
    as_json = json.loads(cf(seeded, "cop", "show", "data-insight", "--json").stdout)
    assert (as_json["stage"], as_json["next_due_gate"]) == ("forming", "core_group_formed")
    # One stage word everywhere people read it: "review" (the machine value "reviewing" stays in --json).
    assert cf(seeded, "cop", "list", "--stage", "review", "--json").stdout.strip() == "[]"
    assert cf(seeded, "status", "--stage", "review", "--json").stdout.strip() == "[]"
