"""Fuzzing the command line (issue 28, build 7): every case of tests/corpus/bad_input.json is a seed, mutated (an
argument replaced by a hostile value, dropped, doubled, or an option added), and commands are made from scratch with
hostile values. Property: never a traceback; the exit is 0, 1 or 2, and a refusal is one line on stderr and leaves
every table as it was.

In-process through the CLI's own entry point for volume (as the corpus test runs); a few examples through a real
process too, where a traceback would show exactly as a user sees it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.bombs import make
from tests.cli.test_bad_input_corpus import CASES, NOW, template  # noqa: F401  (the template fixture)
from tests.fuzz_values import D, cells, fuzz, table_counts

EXE = str(Path(sys.executable).with_name("copflow"))
# Cases whose files are bombs cost seconds to make: the corpus test runs them; here they are seeds without files.
# `web` would serve until stopped, and the flows' commands start Prefect: they are not fuzzed here.
SEEDS = [c for c in CASES if c["args"][0] not in ("web", "sweep", "demo")
         and not any(isinstance(f, dict) and {"xlsx", "docx", "repeat"} & set(f) for f in c.get("files", {}).values())]
COMMANDS = [
    ["person", "add", "{v}", "--name", "{v}"],
    ["person", "add", f"new@{D}", "--name", "{v}", "--department", "{v}"],
    ["cop", "create", "{v}", "--name", "{v}", "--timezone", "{v}"],
    ["cop", "show", "{v}"],
    ["member", "add", "data-insight", "{v}", "--role", "{v}"],
    ["gate", "record", "data-insight", "core_group_formed", "-f", "domain={v}", "-f", "formed_on={v}"],
    ["gate", "record", "chartering-cop", "charter_published", "-f", "link={v}", "-f", "version={v}"],
    ["output", "log", "data-insight", "--kind", "{v}", "--title", "{v}", "--date", "{v}", "--link", "{v}"],
    ["activity", "log", "data-insight", "--kind", "seminar", "--title", "{v}", "--date", "2026-02-10",
     "--attendee", "{v}"],
    ["action", "add", "launching-cop", "--title", "{v}", "--owner", "{v}", "--due", "{v}", "--target", "{v}"],
    ["action", "done", "{v}", "--by", "{v}"],
    ["action", "list", "{v}", "--owner", "{v}"],
    ["review", "decide", "reviewing-cop", "--decision", "{v}", "--reason", "{v}", "--by", "{v}"],
    ["links", "issue", "{v}", "--cop", "{v}", "--purpose", "{v}", "--gate", "{v}"],
    ["links", "revoke", "{v}"],
    ["status", "--stage", "{v}", "--reviews-within", "{v}"],
    ["meeting", "schedule", "data-insight", "--kind", "{v}", "--starts", "{v}", "--place", "{v}"],
    ["outbox", "retry", "{v}"],
    ["person", "export", "{v}", "--out", "{v}"],
]


@st.composite
def argv(draw: st.DrawFn) -> tuple[list[str], dict[str, object]]:
    """A command line and the files it names: a corpus case, mutated, or a command made with hostile values."""
    if draw(st.booleans()):
        case = draw(st.sampled_from(SEEDS))
        args, files = list(case["args"]), dict(case.get("files", {}))
        how = draw(st.sampled_from(["replace", "drop", "double", "add", "as is"]))
        i = draw(st.integers(0, len(args) - 1))
        if how == "replace":
            args[i] = draw(cells)
        elif how == "drop" and len(args) > 1:
            del args[i]
        elif how == "double":
            args.insert(i, args[i])
        elif how == "add":
            args += [draw(st.sampled_from(["--by", "--link", "--json", "--dry-run", "--cop", "--gate"])), draw(cells)]
        return args, files
    template_args = draw(st.sampled_from(COMMANDS))
    return [draw(cells) if a == "{v}" else a.replace("{v}", draw(cells)) for a in template_args], {}


def _prepare(tmp: Path, db_template: Path, files: dict[str, object]) -> Path:
    home = tmp / "home"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    shutil.copy(db_template, home / "copflow.db")
    for name, content in files.items():
        target = tmp / name
        if isinstance(content, str):
            target.write_text(content, encoding="utf-8")
        elif isinstance(content, dict) and "hex" in content:
            target.write_bytes(bytes.fromhex(str(content["hex"])))
        elif isinstance(content, dict) and "size" in content:
            target.write_text("x" * int(content["size"]), encoding="utf-8")  # type: ignore[call-overload]
        elif isinstance(content, dict):
            make(target, content)
    return home


def _clean(text: str) -> str:
    return text.replace("\x00", "")  # a process's arguments cannot hold NUL; in-process they could


@fuzz(5)
@given(command=argv())
def test_no_command_line_ends_in_a_traceback_and_a_refusal_writes_nothing(command, template, tmp_path_factory,  # noqa: F811
                                                                          monkeypatch, capsys):
    from copflow.cli import context
    from copflow.cli.main import run
    from copflow.db.engine import dispose_all

    args, files = command
    tmp = tmp_path_factory.mktemp("fuzz")
    home = _prepare(tmp, template, files)
    monkeypatch.setenv("COPFLOW_HOME", str(home))
    monkeypatch.setenv("COPFLOW_NOW", NOW)
    monkeypatch.setenv("COPFLOW_USER", f"odm@{D}")
    context.settings.cache_clear()
    context.policy.cache_clear()
    before = table_counts(home / "copflow.db")
    monkeypatch.setattr(sys, "argv", ["copflow", *[_clean(a).replace("{tmp}", str(tmp)) for a in args]])
    code: object = 0
    try:
        run()  # a command that succeeds returns; one that refuses exits; anything else is a bug, failing here
    except SystemExit as done:
        code = done.code or 0
    dispose_all()
    out, err = capsys.readouterr()
    assert code in (0, 1, 2) and "Traceback" not in err, err
    if code == 2 and not err and "Usage:" in out:
        return  # a command group without its command shows its help (click's no_args_is_help)
    if code:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("copflow: error: "), err
        assert table_counts(home / "copflow.db") == before


@pytest.mark.parametrize("args", [
    ["person", "add", "a\u202e@x.org", "--name", "\u202e"],
    ["output", "log", "data-insight", "--kind", "blog", "--title", "T", "--date", "2026-01-10", "--link",
     "javascript:alert(1)"],
    ["action", "done", "99999999999999999999999"],
    ["links", "issue", f"ann@{D}", "--cop", "data-insight", "--purpose", "evidence", "--gate", "review_passed"],
    ["import", "people", "{tmp}/p.csv"],
])
def test_as_a_user_runs_it_a_refusal_is_one_line_without_a_traceback(args, template, tmp_path):  # noqa: F811
    import os

    home = _prepare(tmp_path, template, {"p.csv": "email,name\n\"a\nb\",=1+1\n"})
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPFLOW_")}
    env.update({"COPFLOW_HOME": str(home), "COPFLOW_NOW": NOW, "COPFLOW_USER": f"odm@{D}"})
    before = table_counts(home / "copflow.db")
    r = subprocess.run([EXE, *[a.replace("{tmp}", str(tmp_path)) for a in args]], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode in (1, 2) and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("copflow: error: "), r.stderr
    assert table_counts(home / "copflow.db") == before
