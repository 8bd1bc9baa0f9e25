"""The demo's own advice works (issue 29 item 8): every command `copflow demo` prints, between backticks, runs as
printed in a shell that has only what the command line gives it (the demo's COPFLOW_HOME, no COPFLOW_USER, a
login name that is no address)."""

from __future__ import annotations

import mailbox
import os
import re
import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

from tests.e2e.webapp import free_port, web_server

BIN = Path(sys.executable).parent
NOW = "2026-12-07T10:00:00+00:00"  # the demo's rehearsal day (its story is told the same on any day)


def _shell() -> dict[str, str]:
    """A reader's shell: no copflow settings of the test's, a login name that is no e-mail address."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPFLOW_", "PREFECT_API"))}
    return {**env, "USER": "demo-reader", "LOGNAME": "demo-reader", "COPFLOW_NOW": NOW}


def printed_commands(out: str) -> list[str]:
    """Every command the demo's output shows between backticks, in the order printed."""
    return re.findall(r"`([^`]+)`", out)


def as_run(command: str) -> tuple[dict[str, str], list[str]]:
    """A printed command as a shell runs it: its VAR=value prefixes, then the program (`uv run X` is the
    project's X, which `uv run` finds in the virtual environment)."""
    words = shlex.split(command)
    env = {}
    while words and re.match(r"^[A-Z_]+=", words[0]):
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    if words[:2] == ["uv", "run"]:
        words = [str(BIN / words[2]), *words[3:]]
    return env, words


def _answers(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return e.code


@pytest.mark.slow
def test_every_command_the_demo_prints_runs_as_printed(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    demo = subprocess.run([str(BIN / "copflow"), "demo", "--folder", str(folder)], env=_shell(),
                          capture_output=True, text=True, timeout=900)
    assert demo.returncode == 0, demo.stderr[-3000:]
    commands = printed_commands(demo.stdout)
    programs = {" ".join(as_run(c)[1][1:3]) if "copflow" in as_run(c)[1][0] else Path(as_run(c)[1][0]).name
                for c in commands}
    assert {"action list", "review decide", "cop show", "web", "web --console-demo", "archive verify", "mutt",
            "prefect"} <= programs, commands
    ran = []
    for command in commands:
        extra, argv = as_run(command)
        env = {**_shell(), **extra}
        program = Path(argv[0]).name
        if program == "mutt":  # not ours, and not installed here: what it is given is the demo's Maildir
            assert argv[1] == "-f" and len(mailbox.Maildir(argv[2], create=False)) > 0
        elif program == "prefect":  # a server that runs until stopped: it browses the run records the demo made
            assert argv[1:] == ["server", "start"] and (Path(env["PREFECT_HOME"]) / "prefect.db").is_file()
        elif argv[1] == "web":  # a server too: as printed, on a port of the test's own
            port = free_port()
            with web_server(tmp_path, "", port, datetime.fromisoformat(NOW), *argv[2:], env=env) as server:
                if "--console-demo" in argv:
                    assert _answers(f"{server.url}/console") in (200, 303), command
                else:  # the link printed beside it opens its form
                    [link] = re.findall(r"http://127\.0\.0\.1:8000(/e/[A-Za-z0-9_-]+)", demo.stdout)
                    assert _answers(server.url + link) == 200, command
        else:
            r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
            assert r.returncode == 0, (command, r.stderr)
        ran.append(command)
    assert ran == commands
    # The review decision it prints was taken, by the demo's OD manager (its settings.env names them).
    shown = subprocess.run([str(BIN / "copflow"), "cop", "show", "events-management"],
                           env={**_shell(), "COPFLOW_HOME": str(folder)}, capture_output=True, text=True)
    assert "— stage active" in shown.stdout.splitlines()[0]
    assert re.search(r"review\s+│ active\s+│ od\.manager@uni\.example\.org", shown.stdout), shown.stdout
