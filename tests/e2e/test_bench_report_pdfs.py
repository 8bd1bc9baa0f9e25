"""The report-PDF benchmark runs and reports (10 reviews), as a part of `python -m bench` (`--only report-pdfs`). Never a timing assertion: speed lives in bench/."""

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
def test_the_report_pdf_bench_runs_and_replaces_only_its_rows(tmp_path, postgres_url):
    out = tmp_path / "results.json"
    out.write_text(json.dumps({"when": "earlier", "rows": [{"benchmark": "CLI: copflow status", "ratio": 0.4}]}))
    admin = os.environ.get("COPFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPFLOW_", "PREFECT_API"))}
    r = subprocess.run([sys.executable, "-m", "bench", "--only", "report-pdfs", "--quick", "--postgres", admin,
                        "--out", str(out)],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = json.loads(out.read_text())["rows"]
    assert rows[0] == {"benchmark": "CLI: copflow status", "ratio": 0.4}  # another part's row is kept
    ours = [row for row in rows if row["benchmark"].startswith("report PDFs: ")]
    assert len(ours) == 2 and all(row["ratio"] > 0 and "load average" in row["load"] for row in ours)
    assert "10 PDFs, 40 mails with the PDF attached" in ours[0]["figure"]
