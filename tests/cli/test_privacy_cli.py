"""`copflow person export` and `copflow person erase` as an OD manager runs them: a real process, a real file."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import zipfile
from pathlib import Path

from tests.cli.test_cli import EXE, cf


def _people(env: dict[str, str]) -> list[tuple[str, str]]:
    con = sqlite3.connect(Path(env["COPFLOW_HOME"]) / "copflow.db")
    try:
        return [tuple(r) for r in con.execute("select email, name from person order by id")]
    finally:
        con.close()


def test_export_then_erase(seeded, tmp_path):
    out = tmp_path / "ann.zip"
    r = cf(seeded, "person", "export", "ann@uni.example.org", "--out", str(out))
    assert r.stdout.startswith(f"wrote {out}: ") and "mail(s) with their content" in r.stdout
    with zipfile.ZipFile(out) as zf:
        assert json.loads(zf.read("membership.json"))[0]["role"] == "coordinator"
        assert "# What copflow holds about Ann <ann@uni.example.org>" in zf.read("summary.md").decode()
    assert cf(seeded, "person", "export", "ann@uni.example.org", "--out", str(out), ok=False).returncode == 1

    # Without --yes it says what would change and asks; "no" leaves everything as it was.
    asked = subprocess.run([EXE, "person", "erase", "bob@uni.example.org"], env=seeded, input="n\n",
                           capture_output=True, text=True, timeout=120)
    assert asked.returncode == 1 and "would erase bob@uni.example.org: now erased-2" in asked.stdout
    assert "Erase for good?" in asked.stdout and asked.stderr == "copflow: error: aborted\n"
    assert ("bob@uni.example.org", "Bob") in _people(seeded)

    done = cf(seeded, "person", "erase", "bob@uni.example.org", "--yes")
    assert done.stdout.startswith("erased bob@uni.example.org: now erased-2; ")
    assert ("erased-2@erased.invalid", "Erased person 2") in _people(seeded)
    shown = cf(seeded, "cop", "show", "data-insight").stdout
    assert "bob@" not in shown and "Erased person 2" in shown
    again = cf(seeded, "person", "erase", "bob@uni.example.org", "--yes", ok=False)
    assert again.returncode == 1 and again.stderr == "copflow: error: no person 'bob@uni.example.org'\n"
    # Ann is now the CoP's only coordinator or lead.
    refused = cf(seeded, "person", "erase", "ann@uni.example.org", "--yes", ok=False)
    assert refused.returncode == 1 and "only coordinator or lead of data-insight" in refused.stderr
    assert refused.stderr.count("\n") == 1
