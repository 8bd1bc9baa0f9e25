"""The evaluation report: Markdown (the Prefect artifact), HTML with charts (mail, files, the decision page) and
PDF (notifications.pdf), all three from one JSON-safe context.

The context is kept with the review (`report_context` → JSON), so the report can be typeset again later — when a
PDF failed and the next sweep tries again, or when the OD manager's decision is added — with the numbers it had.
Charts are SVG drawn here from the numbers, once, with presentation attributes only (no stylesheet, no script):
the same drawing is inline in the HTML and placed in the PDF.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from jinja2 import Environment
from markupsafe import Markup, escape

from lifecycle.review_metrics import Evaluation
from notifications.vocabulary import long_date, plural, short_date

WIDTH = 700
BAR = 22
GAP = 10
LABEL = 230
VALUE_ROOM = 170  # right of the longest bar: the value, e.g. '83.3% (benchmark 92%)'
INK, BAR_FILL, TICK = "#1d2327", "#3f6fb5", "#b3261e"  # text 15:1 on white; bar and tick above 3:1 (WCAG 1.4.11)
FONT = "system-ui, -apple-system, Segoe UI, Arial, sans-serif"
LANGUAGE = "en-GB"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    reference: float | None = None  # drawn as a tick: a plan, a target or a benchmark
    shown: str = ""


LINE = 13  # a label's line height: long labels wrap onto more lines instead of being cut
CHARS = 34  # characters per label line at the chart's font size


def _wrap(label: str) -> list[str]:
    import textwrap

    return textwrap.wrap(label, CHARS) or [""]


def bar_chart(title: str, bars: list[Bar], *, unit: str = "", scale_max: float | None = None) -> Markup:
    """Horizontal bars with an optional reference tick per bar; accessible: a <title> and a text per bar. Every
    label is shown in full (wrapped), and every bar is drawn, even at zero."""
    top = max([scale_max or 0.0] + [b.value for b in bars] + [b.reference or 0 for b in bars]) or 1.0
    plot = WIDTH - LABEL - VALUE_ROOM
    rows = [max(BAR, len(_wrap(b.label)) * LINE + 4) for b in bars]
    height = sum(r + GAP for r in rows) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{WIDTH}" '
             f'height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" font-size="11" '
             f'fill="{INK}"><title>{escape(title)}</title>']
    y = 10
    for b, row in zip(bars, rows, strict=True):
        w = plot * b.value / top
        lines = _wrap(b.label)
        first = y + row / 2 - (len(lines) - 1) * LINE / 2 + 4
        spans = "".join(f'<tspan x="{LABEL - 8}" y="{first + i * LINE:.1f}">{escape(line)}</tspan>'
                        for i, line in enumerate(lines))
        parts.append(f'<text text-anchor="end" class="label">{spans}<title>{escape(b.label)}</title></text>')
        bar_y = y + (row - BAR) / 2
        parts.append(f'<rect x="{LABEL}" y="{bar_y:.1f}" width="{w:.1f}" height="{BAR}" class="bar" '
                     f'fill="{BAR_FILL}"/>')
        right = w
        if b.reference is not None:
            x = LABEL + plot * b.reference / top
            right = max(w, x - LABEL + 2)
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bar_y - 3:.1f}" y2="{bar_y + BAR + 3:.1f}" '
                         f'class="ref" stroke="{TICK}" stroke-width="3"/>')
        shown = escape(b.shown or f"{b.value:g}{unit}")
        parts.append(f'<text x="{LABEL + right + 6:.1f}" y="{bar_y + BAR * 0.7:.1f}" class="value">{shown}</text>')
        y += row + GAP
    parts.append("</svg>")
    return Markup("".join(parts))


def _month(key: str) -> str:
    """"2026-03" as "March 2026"."""
    return short_date(f"{key}-01").split(" ", 1)[1]


# Each chart: its key, what a screen reader is told it shows (the PDF's alternative text), the HTML's caption.
CHARTS = {"attendance": ("Attendance by month", "Attendance over time"),
          "targets": ("Annual targets: done (bar) against needed (tick)",
                      "Held or made (bar) against needed for the period (red tick)"),
          "survey": ("Survey agreement (bar) against the 2021 benchmark (tick)",
                     "Share who agree (bar) against the 2021 impact survey (red tick)")}


def charts(ev: dict[str, Any]) -> dict[str, Markup]:
    """The report's charts from its context's numbers (`report_context(...)["ev"]`)."""
    out: dict[str, Markup] = {}
    if ev["attendance_by_month"]:
        out["attendance"] = bar_chart(CHARTS["attendance"][0], [
            Bar(_month(month), attendances, shown=f"{attendances} at {plural(events, 'event')}")
            for month, events, attendances in ev["attendance_by_month"]])
    countable = [t for t in ev["targets"] if t["kind"]]
    if countable:
        out["targets"] = bar_chart(CHARTS["targets"][0], [
            Bar(t["text"], t["done"], t["needed"], f"{t['done']} of {t['needed']}" + (" ✓" if t["met"] else ""))
            for t in countable])
    if ev["statements"]:
        out["survey"] = bar_chart(CHARTS["survey"][0], [
            Bar(s["text"], s["agree_pct"], s["benchmark"], f"{s['agree_pct']:g}%"
                + (f" (benchmark {s['benchmark']}%)" if s["benchmark"] is not None else ""))
            for s in ev["statements"]], scale_max=100)
    return out


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


def report_context(ev: Evaluation, *, generated_at: datetime, min_departments: int, programme: str = "",
                   paper: str = "a4") -> dict[str, Any]:
    """Everything the report shows, as JSON-safe values (dates as ISO text): kept with the review, and the one
    input of the Markdown, the HTML and the PDF."""
    data = asdict(ev)
    data["members"] = ev.members
    data["targets"] = [{**asdict(t), "met": t.met} for t in ev.targets]
    data["statements"] = [{**asdict(s), "delta": s.delta} for s in ev.statements]
    data["actions"] = {"all": {**asdict(ev.actions.all), "total": ev.actions.all.total},
                       "per_target": [{**asdict(t), "total": t.total} for t in ev.actions.per_target],
                       "overdue": [{**asdict(a), "due_words": short_date(a.due_on)} for a in ev.actions.overdue]}
    context = {"ev": data, "generated_at": f"{long_date(generated_at)}, {generated_at:%H:%M} UTC",
               "generated_iso": generated_at.isoformat(), "min_departments": min_departments,
               "period": f"{short_date(ev.start)} – {short_date(ev.end)}", "title": f"Review of {ev.name}",
               "programme": programme or "CoP programme", "paper": paper, "language": LANGUAGE, "decided": None}
    result: dict[str, Any] = json.loads(json.dumps(context, default=_plain))
    return result


def with_decision(context: dict[str, Any], *, decision: str, by: str, at: datetime, reason: str) -> dict[str, Any]:
    """The report's context with the OD manager's decision: what, by whom ("Name (address)"), when and why."""
    advised = context["ev"]["recommendation"]["decision"]
    return {**context, "decided": {"decision": decision, "by": by, "reason": reason, "differs": decision != advised,
                                   "on": f"{long_date(at)}, {at:%H:%M} UTC", "at": at.isoformat()}}


@functools.cache
def markdown_environment() -> Environment:
    """The environment of the Markdown documents (the report, the lessons draft): every value written into them is
    escaped (a name like "*Core* | [Pilot]" reads as itself in the Prefect UI), as in the other artifacts. An
    overlay of the shared environment: same templates and filters, its own `finalize`."""
    from notifications.markdown_views import escape as md_escape
    from notifications.templating import environment

    return environment().overlay(finalize=lambda value: md_escape(value) if isinstance(value, str) else value)


def render_context(context: dict[str, Any]) -> tuple[str, str]:
    """(markdown, html) of a report context."""
    from notifications.templating import environment

    markdown = markdown_environment().get_template("reports/evaluation.md.j2").render(context)
    html = environment().get_template("reports/evaluation.html.j2").render(
        {**context, "charts": charts(context["ev"]), "captions": {k: v[1] for k, v in CHARTS.items()}})
    return markdown, html


def render_report(ev: Evaluation, *, generated_at: datetime, min_departments: int = 2) -> tuple[str, str]:
    """(markdown, html) of one evaluation."""
    return render_context(report_context(ev, generated_at=generated_at, min_departments=min_departments))
