"""Run Mozilla's ical.js (node, tests/interop/node_modules) over iCalendar texts: an independent parser."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent


def read_with_icaljs(texts: list[str], count: int = 24) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "ical.js").is_dir():
        # Never a skip: the interop check is part of the acceptance of every invitation.
        pytest.fail("ical.js is not installed: run `npm ci --prefix tests/interop` (the README's test command does)")
    r = subprocess.run([node, str(HERE / "read_ics.mjs"), str(count)], input=json.dumps(texts),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    result: list[dict[str, Any]] = json.loads(r.stdout)
    return result


def replies_with_icaljs(asks: list[dict[str, str]]) -> list[bytes]:
    """Calendar replies built by ical.js from copflow's invitations (tests/interop/build_reply.mjs): each ask names
    the `invitation` text, the `attendee` answering and their `partstat`, and optionally `method` (COUNTER),
    `occurrence_utc`, `propose_start_utc`/`propose_end_utc`, a forged `organizer` or `uid`, a `comment`."""
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "ical.js").is_dir():
        pytest.fail("ical.js is not installed: run `npm ci --prefix tests/interop` (the README's test command does)")
    r = subprocess.run([node, str(HERE / "build_reply.mjs")], input=json.dumps(asks), capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return [text.encode("utf-8") for text in json.loads(r.stdout)]
