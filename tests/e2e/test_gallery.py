"""`copflow notify preview --all --out DIR`: every message kind as a reviewer (and a reader) sees it — HTML and
text, and a PNG drawn by headless Chromium at a mail's width; the page Chromium renders is checked for what a
person must find (one action, the deadline) and must not (internal names)."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from notifications.previews import PREVIEWS
from tests.e2e.test_report_browser import run_chromium
from tests.wording import problems

EXE = str(Path(sys.executable).with_name("copflow"))
LONG_DATE = re.compile(r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d{1,2} [A-Z][a-z]+ \d{4}")
# What each reader must be able to act on: the one action of the message.
ACTIONS = {"gate-due-soon": "Record it now", "gate-due-today": "Reply to this message with these details",
           "gate-overdue": "Reply to this message with these details", "escalation-sponsor": "What you can do",
           "od-digest": "Reviews waiting for your decision", "review-opened": "Answer the short survey",
           "review-opened-lead": "Answer the short survey", "evaluation-ready": "decides by",
           "closure-completed": "To ask for a copy", "review-due": "What you can do now",
           "link-renewed": "It works until", "join-request": "add them to the roster",
           "checkin-agenda": "Update the action plan", "checkin-agenda-owner": "Update the action plan",
           "sponsor-brief": "What you can do", "sponsor-brief-lead": "Update the action plan",
           "action-reminder": "Mark it done", "action-reminder-today": "Mark it done"}


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.slow
def test_the_gallery_shows_every_kind_with_its_action_and_no_internal_names(tmp_path):
    out = tmp_path / "gallery"
    r = subprocess.run([EXE, "notify", "preview", "--all", "--out", str(out)], capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"{len(PREVIEWS)} message kinds (samples) written to {out}" in r.stdout
    for name, (_kind, _when, who, _context) in PREVIEWS.items():
        assert png_size(out / f"{name}.png")[0] == 600, name
        dom = run_chromium("--dump-dom", (out / f"{name}.html").as_uri()).stdout
        seen = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom.split("<body", 1)[1]))
        assert problems(seen, to_od_manager=who == "the OD manager") == [], name
        if name in ACTIONS:
            assert ACTIONS[name] in seen, name
        if not name.startswith(("invitation", "stage", "join")):  # a join request has no date to give
            assert LONG_DATE.search(seen), name  # the deadline or date, in the organisation's long format
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("<section>") == len(PREVIEWS) and "Sent to leads, 30, 14, 7 and 1 days before" in index
