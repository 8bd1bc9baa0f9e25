"""The evaluation report: Markdown (for the Prefect artifact and mail) and HTML with charts.

Charts are inline SVG drawn here from the numbers: the report is one self-contained file that opens in any
browser or mail client, offline, with no script to run and nothing fetched.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

from lifecycle.review_metrics import Evaluation
from notifications.vocabulary import long_date, plural, short_date

WIDTH = 700
BAR = 22
GAP = 10
LABEL = 230
VALUE_ROOM = 170  # right of the longest bar: the value, e.g. '83.3% (benchmark 92%)'


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
             f'height="{height}" style="max-width:100%;height:auto" viewBox="0 0 {WIDTH} {height}">'
             f'<title>{escape(title)}</title>']
    y = 10
    for b, row in zip(bars, rows, strict=True):
        w = plot * b.value / top
        lines = _wrap(b.label)
        first = y + row / 2 - (len(lines) - 1) * LINE / 2 + 4
        spans = "".join(f'<tspan x="{LABEL - 8}" y="{first + i * LINE:.1f}">{escape(line)}</tspan>'
                        for i, line in enumerate(lines))
        parts.append(f'<text text-anchor="end" class="label">{spans}<title>{escape(b.label)}</title></text>')
        bar_y = y + (row - BAR) / 2
        parts.append(f'<rect x="{LABEL}" y="{bar_y:.1f}" width="{w:.1f}" height="{BAR}" class="bar"/>')
        right = w
        if b.reference is not None:
            x = LABEL + plot * b.reference / top
            right = max(w, x - LABEL + 2)
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bar_y - 3:.1f}" y2="{bar_y + BAR + 3:.1f}" '
                         'class="ref"/>')
        shown = escape(b.shown or f"{b.value:g}{unit}")
        parts.append(f'<text x="{LABEL + right + 6:.1f}" y="{bar_y + BAR * 0.7:.1f}" class="value">{shown}</text>')
        y += row + GAP
    parts.append("</svg>")
    return Markup("".join(parts))


def _month(key: str) -> str:
    """"2026-03" as "March 2026"."""
    from notifications.vocabulary import short_date

    return short_date(f"{key}-01").split(" ", 1)[1]


def charts(ev: Evaluation) -> dict[str, Markup]:
    out: dict[str, Markup] = {}
    if ev.attendance_by_month:
        out["attendance"] = bar_chart("Attendance by month", [
            Bar(_month(month), attendances, shown=f"{attendances} at {plural(events, 'event')}")
            for month, events, attendances in ev.attendance_by_month])
    countable = [t for t in ev.targets if t.kind]
    if countable:
        out["targets"] = bar_chart("Annual targets: done (bar) against needed (tick)", [
            Bar(t.text, t.done, t.needed, f"{t.done} of {t.needed}" + (" ✓" if t.met else "")) for t in countable])
    if ev.statements:
        out["survey"] = bar_chart("Survey agreement (bar) against the 2021 benchmark (tick)", [
            Bar(s.text, s.agree_pct, s.benchmark, f"{s.agree_pct:g}%" + (f" (benchmark {s.benchmark}%)"
                                                                       if s.benchmark is not None else ""))
            for s in ev.statements], scale_max=100)
    return out


def report_context(ev: Evaluation, *, generated_at: datetime, min_departments: int) -> dict[str, Any]:
    data = asdict(ev)
    data["members"] = ev.members
    data["targets"] = [{**asdict(t), "met": t.met} for t in ev.targets]
    data["statements"] = [{**asdict(s), "delta": s.delta} for s in ev.statements]
    data["actions"] = {"all": {**asdict(ev.actions.all), "total": ev.actions.all.total},
                       "per_target": [{**asdict(t), "total": t.total} for t in ev.actions.per_target],
                       "overdue": [asdict(a) for a in ev.actions.overdue]}
    return {"ev": data, "generated_at": f"{long_date(generated_at)}, {generated_at:%H:%M} UTC",
            "min_departments": min_departments, "period": f"{short_date(ev.start)} – {short_date(ev.end)}"}


def render_report(ev: Evaluation, *, generated_at: datetime, min_departments: int = 2) -> tuple[str, str]:
    """(markdown, html) of one evaluation."""
    from notifications.templating import environment

    env = environment()
    context = report_context(ev, generated_at=generated_at, min_departments=min_departments)
    markdown = env.get_template("reports/evaluation.md.j2").render(context)
    html = env.get_template("reports/evaluation.html.j2").render({**context, "charts": charts(ev)})
    return markdown, html
