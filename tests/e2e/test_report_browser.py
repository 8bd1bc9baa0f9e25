"""The evaluation report opened in a real browser: Debian's Chromium, headless. It must parse to the DOM we
wrote (three charts, every bar), draw a non-blank page, and log no error. A missing Chromium fails the run:
`bash tests/install-tools.sh` (part of the README's test command) installs it."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from lifecycle.practice import BENCHMARK_STATEMENTS, ActivityKind, find_statement, parse_targets
from lifecycle.review_inputs import ActivityRecord, AnswerRecord, EvaluationInput, MemberRecord
from lifecycle.review_metrics import evaluate_period
from notifications.reports import render_report


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Chromium is not installed: run `bash tests/install-tools.sh` (the README's test command does)")
    return path


def run_chromium(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-dev-shm-usage", "--enable-logging=stderr", "--v=0", *args],
                          capture_output=True, text=True, timeout=120, check=False)


class Shapes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}
        self.figures: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag == "figure":
            self.figures.append(dict(attrs).get("id") or "")


def report(tmp_path: Path) -> Path:
    members = tuple(MemberRecord(f"p{i}", "core" if i < 3 else "wider", f"Dept {i % 4}", f"m{i}", date(2025, 1, 1))
                    for i in range(12))
    activities = tuple(ActivityRecord(ActivityKind.LUNCH_AND_LEARN, f"Talk {m}", date(2025, m, 10),
                                      frozenset(f"p{i}" for i in range(m))) for m in range(3, 12))
    answers = tuple(AnswerRecord(f"r{r}", s, 5 - (r + i) % 4) for i, s in enumerate(
        (*BENCHMARK_STATEMENTS, find_statement("Our newsletter is <useful> & short"))) for r in range(8))
    ev = evaluate_period(EvaluationInput("data", "Data & Insight <CoP>", date(2025, 3, 1), date(2026, 2, 28), members,
                                         activities, answers, parse_targets(["1 seminar", "6 lunch and learns"])))
    _, html = render_report(ev, generated_at=datetime(2026, 3, 1, tzinfo=UTC))
    path = tmp_path / "review.html"
    path.write_text(html, encoding="utf-8")
    return path


def test_the_report_renders_in_headless_chromium(tmp_path):
    path = report(tmp_path)
    dom = run_chromium("--dump-dom", path.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    shapes = Shapes()
    shapes.feed(dom.stdout)
    # What the browser built is what we wrote: 3 charts, one bar per month of the period (a month without events
    # is kept, as an empty bar), per target and per statement.
    assert shapes.figures == ["chart-attendance", "chart-targets", "chart-survey"]
    assert shapes.tags["svg"] == 3 and shapes.tags["rect"] == 12 + 2 + 10
    assert "Data &amp; Insight &lt;CoP&gt;" in dom.stdout  # the name escaped, not parsed as a tag
    assert "<useful>" not in dom.stdout
    for marker in ("Uncaught", "CONSOLE(", "SyntaxError", "Failed to load"):
        assert marker not in dom.stderr, dom.stderr[-2000:]

    shot = tmp_path / "review.png"
    run = run_chromium(f"--screenshot={shot}", "--window-size=900,2600", "--hide-scrollbars", path.as_uri())
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000  # a blank page compresses to a few KB


def all_axe_violations(page: Any) -> list[dict[str, Any]]:
    """Every axe-core violation, whatever its impact (landmarks and regions are 'moderate')."""
    from tests.e2e.webapp import AXE

    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))""")
    return found


def test_the_report_passes_axe_core_with_no_violation_at_all(tmp_path, browser):
    """Landmarks included: a banner with the title, everything else in `main`; tables with headers; a language."""
    from notifications.reports import render_context, with_decision

    path = report(tmp_path)
    page = browser.new_page()
    page.goto(path.as_uri())
    assert all_axe_violations(page) == []
    assert page.locator("main").count() == 1 and page.get_attribute("html", "lang") == "en-GB"
    # Decided, the report leads with the decision, still with no violation.
    _, html = render_context(with_decision(json_context(), decision="close", by="Oda Mann (odm@x.org)",
                                           at=datetime(2026, 3, 9, 10, tzinfo=UTC), reason="aims met, as the review found"))
    decided = tmp_path / "decided.html"
    decided.write_text(html, encoding="utf-8")
    page.goto(decided.as_uri())
    assert all_axe_violations(page) == []
    assert page.inner_text("#decision").startswith("Decision: close")
    page.close()


def json_context() -> dict[str, Any]:
    from notifications.reports import report_context

    members = tuple(MemberRecord(f"p{i}", "core" if i < 3 else "wider", f"Dept {i % 4}", f"m{i}", date(2025, 1, 1))
                    for i in range(6))
    ev = evaluate_period(EvaluationInput("data", "Data & Insight", date(2025, 3, 1), date(2026, 2, 28), members))
    return report_context(ev, generated_at=datetime(2026, 3, 1, tzinfo=UTC), min_departments=2)
