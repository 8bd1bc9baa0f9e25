"""After `copflow demo` (a year of six CoPs: reminders, digests, briefs, agendas, decisions, renewals), no text or
JSON column of any table holds a working link token (issue 28, break 3): every candidate string is tried against the
link table's hashes. The Maildir, where mail is meant to carry them, holds working ones: the search finds them."""

from __future__ import annotations

import hashlib
import mailbox
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

EXE = str(Path(sys.executable).with_name("copflow"))
RUN = re.compile(r"[A-Za-z0-9_\-]{32,}")


def working(text: str, hashes: set[str]) -> set[str]:
    return {run[i:i + 32] for run in RUN.findall(text) for i in range(len(run) - 31)
            if hashlib.sha256(run[i:i + 32].encode()).hexdigest() in hashes}


@pytest.mark.slow
def test_no_column_of_any_table_holds_a_working_link_after_the_demo(tmp_path):
    folder = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPFLOW_", "PREFECT_API"))}
    r = subprocess.run([EXE, "demo", "--folder", str(folder)], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    con = sqlite3.connect(folder / "copflow.db")
    try:
        hashes = {h for (h,) in con.execute("select token_hash from link")}
        assert len(hashes) >= 15
        found: dict[str, set[str]] = {}
        tables = [t for (t,) in con.execute("select name from sqlite_master where type = 'table'")]
        for table in tables:
            for column in [c[1] for c in con.execute(f"pragma table_info('{table}')")]:
                for (value,) in con.execute(f'select "{column}" from "{table}"'):
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
                    if isinstance(text, str):
                        found.setdefault(f"{table}.{column}", set()).update(working(text, hashes))
    finally:
        con.close()
    assert {where: tokens for where, tokens in found.items() if tokens} == {}
    mails = " ".join(m.as_bytes().decode("utf-8", "replace") for m in mailbox.Maildir(folder / "maildir", create=False))
    assert len(working(mails, hashes)) >= 10  # what the leads and the OD manager were sent does work
