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
