"""The lifecycle diagram drawn by mermaid — the renderer Prefect's UI (the `copflow-lifecycle` artifact) and
GitHub (docs/lifecycle.md) use — in headless Chromium: the diagram we generate must parse and draw every
stage. mermaid is pinned in tests/interop/package-lock.json and installed by `bash tests/install-tools.sh`."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from lifecycle import Stage, mermaid
from lifecycle.stages import STAGE_TITLES
from tests.e2e.test_report_browser import run_chromium

ROOT = Path(__file__).resolve().parents[2]
MERMAID_JS = ROOT / "tests" / "interop" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"


def draw(tmp_path: Path, diagrams: list[str]) -> str:
    if not MERMAID_JS.is_file():
        pytest.fail("mermaid is not installed: run `bash tests/install-tools.sh` (the README's test command does)")
    blocks = "\n".join(f'<pre class="mermaid" id="d{i}">{html.escape(d)}</pre>' for i, d in enumerate(diagrams))
    page = tmp_path / "diagram.html"
    page.write_text(f"""<!doctype html><html><body>{blocks}
<script src="{MERMAID_JS.as_uri()}"></script>
<script>
  mermaid.initialize({{startOnLoad: false, securityLevel: "strict"}});
  mermaid.run({{querySelector: ".mermaid"}})
    .then(() => document.body.setAttribute("data-drawn", "ok"))
    .catch((e) => document.body.setAttribute("data-drawn", "error: " + e.message));
</script></body></html>""", encoding="utf-8")
    run = run_chromium("--allow-file-access-from-files", "--virtual-time-budget=15000", "--dump-dom", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


def test_the_generated_diagram_and_the_artifact_with_counts_draw_every_stage(tmp_path):
    dom = draw(tmp_path, [mermaid(), mermaid({"forming": 1, "active": 12, "closed": 3})])
    assert 'data-drawn="ok"' in dom, re.findall(r'data-drawn="[^"]*"', dom)
    svgs = re.findall(r'<svg id="mermaid-[^"]*".*?</svg>', dom, flags=re.S)
    assert len(svgs) == 2 and all('aria-roledescription="stateDiagram"' in s for s in svgs)
    labels = [re.findall(r'class="nodeLabel[^"]*"><p>([^<]*)</p>', svg) for svg in svgs]
    # Every stage is a box, named as people read it (the one declared with its words is drawn first).
    assert sorted(labels[0]) == sorted(STAGE_TITLES[s] for s in Stage) and "reviewing" not in labels[0]
    counts = {"forming": "1 CoP", "active": "12 CoPs", "closed": "3 CoPs"}
    assert labels[1] == [f"{STAGE_TITLES[s]} ({counts.get(s.value, '0 CoPs')})" for s in Stage]
    assert "Syntax error" not in dom


def test_the_docs_diagram_draws(tmp_path):
    page = (ROOT / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    [block] = re.findall(r"```mermaid\n(.*?)```", page, flags=re.S)
    dom = draw(tmp_path, [block])
    assert 'data-drawn="ok"' in dom and dom.count('aria-roledescription="stateDiagram"') == 1


def test_a_broken_diagram_is_caught(tmp_path):
    dom = draw(tmp_path, ["stateDiagram-v2\n    forming --> : [broken\n"])
    assert 'data-drawn="error: Parse error' in dom
