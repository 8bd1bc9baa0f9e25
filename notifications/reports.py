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


def bar_chart(title: str, bars: list[Bar], *, unit: str = "", scale_max: float | None = None) -> Markup:
    """Horizontal bars with an optional reference tick per bar; accessible: a <title> and a text per bar."""
    top = max([scale_max or 0.0] + [b.value for b in bars] + [b.reference or 0 for b in bars]) or 1.0
    plot = WIDTH - LABEL - VALUE_ROOM
    height = len(bars) * (BAR + GAP) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{WIDTH}" '
             f'height="{height}" style="max-width:100%;height:auto" viewBox="0 0 {WIDTH} {height}">'
             f'<title>{escape(title)}</title>']
    for i, b in enumerate(bars):
        y = 10 + i * (BAR + GAP)
        w = plot * b.value / top
        label = escape(b.label if len(b.label) <= 32 else b.label[:31] + "…")
        parts.append(f'<text x="{LABEL - 8}" y="{y + BAR * 0.7:.1f}" text-anchor="end" class="label">{label}'
                     f'<title>{escape(b.label)}</title></text>')
        parts.append(f'<rect x="{LABEL}" y="{y}" width="{w:.1f}" height="{BAR}" class="bar"/>')
        right = w
        if b.reference is not None:
            x = LABEL + plot * b.reference / top
            right = max(w, x - LABEL + 2)
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 3}" y2="{y + BAR + 3}" class="ref"/>')
        shown = escape(b.shown or f"{b.value:g}{unit}")
        parts.append(f'<text x="{LABEL + right + 6:.1f}" y="{y + BAR * 0.7:.1f}" class="value">{shown}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def charts(ev: Evaluation) -> dict[str, Markup]:
    out: dict[str, Markup] = {}
    if ev.attendance_by_month:
        out["attendance"] = bar_chart("Attendance by month", [
            Bar(month, attendances, shown=f"{attendances} at {events} event(s)")
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
    return {"ev": data, "generated_at": generated_at.strftime("%Y-%m-%d %H:%M UTC"),
            "min_departments": min_departments, "period": f"{ev.start:%d %B %Y} – {ev.end:%d %B %Y}"}


def render_report(ev: Evaluation, *, generated_at: datetime, min_departments: int = 2) -> tuple[str, str]:
    """(markdown, html) of one evaluation."""
    from notifications.compose import environment

    env = environment()
    context = report_context(ev, generated_at=generated_at, min_departments=min_departments)
    markdown = env.get_template("reports/evaluation.md.j2").render(context)
    html = env.get_template("reports/evaluation.html.j2").render({**context, "charts": charts(ev)})
    return markdown, html
