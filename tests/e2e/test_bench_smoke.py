"""The benchmark command runs and reports (tiny sizes). Never a timing assertion: speed lives in bench/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.postgres
def test_bench_quick_runs_every_benchmark_and_writes_json(tmp_path, postgres_url):
    out = tmp_path / "results.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPFLOW_", "PREFECT_API"))}
    r = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(out)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    result = json.loads(out.read_text())
    names = [row["benchmark"] for row in result["rows"]]
    for expected in ("sweep 10k (SQLite)", "sweep 100k (PostgreSQL)", "sweep 100k vs 10k, same due (SQLite)",
                     "sweep peak memory 100k vs 10k (PostgreSQL)", "CLI: copflow status", "CLI: copflow gate record"):
        assert expected in names
    assert any(n.startswith("outbox delivery") for n in names) and any("invitations" in n for n in names)
    assert sum(n.startswith("report PDFs: ") for n in names) == 2  # the evaluation reports' PDFs, a part of the run
    assert all(isinstance(row["ratio"], float) and row["ratio"] > 0 for row in result["rows"])
    sweeps = [row for row in result["rows"] if row["benchmark"].startswith("sweep 10") and "detail" in row]
    assert all(row["detail"]["flow"]["sent"] == row["detail"]["services"]["sent"] > 0 for row in sweeps)
    assert "written to" in r.stdout


@pytest.mark.slow
def test_bench_only_web_replaces_its_rows_and_keeps_the_others(tmp_path):
    out = tmp_path / "results.json"
    last = json.loads((ROOT / "bench" / "results.json").read_text())
    out.write_text(json.dumps(last))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPFLOW_", "PREFECT_API"))}
    r = subprocess.run([sys.executable, "-m", "bench", "--only", "web", "--quick", "--no-postgres", "--out", str(out)],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = json.loads(out.read_text())["rows"]
    others = [row for row in last["rows"] if not row["benchmark"].startswith("web: ")]
    assert [row for row in rows if not row["benchmark"].startswith("web: ")] == others  # kept as they were
    web = [row["benchmark"] for row in rows if row["benchmark"].startswith("web: ")]
    assert web == ["web: evidence form vs bare Starlette page (SQLite)", "web: hub vs bare Starlette page (SQLite)"]
