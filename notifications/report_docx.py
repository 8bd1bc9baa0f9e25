"""A review's evaluation report as a Word document (python-docx), for an OD manager who edits it before passing it
on: the same context as the HTML, the Markdown and the PDF (notifications/reports.py `report_context`, kept with the
review, with the decision once taken), as real headings and tables, the programme as author, A4 or US Letter (the
policy's `report_paper`), British English. Every value goes into a run of text as itself."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from notifications.lessons_docx import PAGE_MM, _language, _table


def report_docx(c: dict[str, Any]) -> bytes:
    """The report as .docx bytes."""
    from docx import Document
    from docx.shared import Mm

    ev = c["ev"]
    doc = Document()
    width, height = PAGE_MM.get(c.get("paper", "a4"), PAGE_MM["a4"])
    for section in doc.sections:
        section.page_width, section.page_height = Mm(width), Mm(height)
        section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Mm(25)
    _properties(doc, c)
    _language(doc, c.get("language", "en-GB"))
    doc.add_heading(c["title"], level=0)
    doc.add_paragraph(f"Period: {c['period']}. Generated {c['generated_at']} by copflow ({c['programme']}).")
    decided = c.get("decided")
    if decided:
        doc.add_heading(f"Decision: {decided['decision']}", level=1)
        line = f"Decided by {decided['by']} on {decided['on']}."
        if decided.get("differs"):
            line += f" The evaluation recommended {ev['recommendation']['decision']}."
        doc.add_paragraph(line)
        doc.add_paragraph(f"Why: {decided['reason']}")
    _recommendation(doc, ev)
    doc.add_heading("Members", level=1)
    _table(doc, ["", "count"], [
        ["core group (leads, coordinators, core)", ev["core_members"]], ["wider members", ev["wider_members"]],
        ["sponsor and support roles", ev["supporting"]], ["joined in the period", ev["joiners"]],
        ["left in the period", ev["leavers"]], ["departments (all members)", len(ev["departments"])],
        ["departments in the core group",
         f"{len(ev['core_departments'])} (criteria: at least {c['min_departments']})"],
        ["line managers in the core group", ev["core_line_managers"]]])
    doc.add_heading("Events and attendance", level=1)
    _table(doc, ["", ""], [
        ["events held / planned", f"{ev['events_held']} / {ev['events_planned']}"],
        ["attendances", ev["attendances"]], ["unique attendees", ev["unique_attendees"]],
        ["attendance rate (mean per event, % of members)", f"{ev['attendance_rate']}%"],
        ["core-group check-ins held / expected", f"{ev['checkins_held']} / {ev['checkins_expected']}"],
        ["sponsor catch-ups held / expected", f"{ev['catchups_held']} / {ev['catchups_expected']}"]])
    if ev["attendance_by_month"]:
        _table(doc, ["month", "events", "attendances"], [[m, e, n] for m, e, n in ev["attendance_by_month"]])
    doc.add_heading("Annual targets (pro rata for the period)", level=1)
    if ev["targets"]:
        _table(doc, ["target", "needed", "held or made", "met"], [
            [t["text"], t["needed"], t["done"] if t["kind"] else "–",
             "yes" if t["met"] else ("not counted" if t["met"] is None else "no")] for t in ev["targets"]])
    else:
        doc.add_paragraph("The charter sets no measurable annual targets.")
    _actions(doc, ev["actions"])
    doc.add_heading(f"Survey ({ev['respondents']} respondents)", level=1)
    if ev["statements"]:
        _table(doc, ["statement", "answers", "agree", "2021 benchmark", "difference"], [
            [s["text"], s["responses"], f"{s['agree_pct']}%",
             f"{s['benchmark']}%" if s.get("benchmark") is not None else "–",
             f"{s['delta']:+.1f}" if s.get("delta") is not None else "–"] for s in ev["statements"]])
    else:
        doc.add_paragraph("No survey answers were imported for this period.")
    doc.add_heading("Process health", level=1)
    doc.add_paragraph(f"Gates passed on time: {ev['gates_on_time']} of {ev['gates_total']}; days late in all: "
                      f"{ev['days_late']}; overdue now: {ev['days_overdue_now']} days.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _recommendation(doc: Any, ev: dict[str, Any]) -> None:
    r = ev["recommendation"]
    doc.add_heading(f"Recommendation: {r['decision']}", level=1)
    rows = ([["concern", x] for x in r["reasons"]] + [["strength", x] for x in r["strengths"]]
            + [["weakness", x] for x in r["weaknesses"]])
    if rows:
        _table(doc, ["", "evidence"], rows)
    else:
        doc.add_paragraph("No evidence recorded for this period.")
    doc.add_paragraph("The OD manager decides (pass, evolve or close) and records why; this recommendation only "
                      "advises.")


def _actions(doc: Any, actions: dict[str, Any]) -> None:
    doc.add_heading("Action plan", level=1)
    every = actions["all"]
    if not every["total"]:
        doc.add_paragraph("No action plan was recorded for this period.")
        return
    rows = [["all actions in the period", every["done"], every["dropped"], every["open"], every["overdue"]]]
    rows += [[f"towards the target “{t['label']}”", t["done"], t["dropped"], t["open"], t["overdue"]]
             for t in actions["per_target"]]
    _table(doc, ["actions", "done", "dropped", "open", "of which overdue"], rows)
    if actions["overdue"]:
        doc.add_paragraph("Overdue at the period's end:")
        for a in actions["overdue"]:
            doc.add_paragraph(f"{a['title']} ({a['owner']}, due {a['due_words']})", style="List Bullet")


def _properties(doc: Any, c: dict[str, Any]) -> None:
    props = doc.core_properties
    programme = c.get("programme") or "CoP programme"
    props.author = props.last_modified_by = programme
    props.title = c["title"]
    props.subject = "Review of a Community of Practice"
    props.language = c.get("language", "en-GB")
    props.keywords = "evaluation; community of practice"
    made = datetime.fromisoformat(c["generated_iso"])
    props.created = props.modified = made.replace(tzinfo=None)
    props.revision = 1
