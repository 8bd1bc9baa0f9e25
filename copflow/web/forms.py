"""From a gate's evidence fields (lifecycle/evidence.py) to form controls, and from a posted form back to the
payload `gate record` takes. Which value is acceptable is decided by the lifecycle, never here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from copflow.services.lead_pages import FieldView

# Examples shown under each field (what a good answer looks like); the help text comes from the lifecycle.
EXAMPLES: dict[str, str] = {
    "domain": "Using data and evidence to make better decisions across the university",
    "formed_on": "2026-02-10",
    "held_on": "2026-03-04",
    "notes": "Scope agreed: reporting and dashboards first; the sponsor joins a catch-up every six weeks",
    "version": "1.0",
    "purpose": "Help staff who work with data learn from each other and share good practice",
    "aims": "Share good practice\nRun a seminar series",
    "annual_targets": "4 lunch and learns\n2 blog posts",
    "review_dates": "2027-03-01",
    "review_cadence_months": "12",
    "link": "https://sharepoint.example.org/sites/data-cop/charter",
    "published_on": "2026-03-20",
    "attendance": "42",
    "feedback": "Members asked for hands-on sessions on dashboards",
    "due_on": "2027-03-01",
    "reason": "The community met its targets and wants to carry on",
    "decided_by": "od.manager@example.org",
    "closing_date": "2027-06-30",
    "evaluation_done": "yes",
    "sponsor_attended": "yes",
}
LONG_TEXT = {"domain", "notes", "purpose", "feedback", "reason"}


def control(f: FieldView) -> dict[str, Any]:
    """How one field is drawn: the input type, its current value as text, and its example."""
    value = f.value
    if f.kind in ("text_list", "date_list"):
        text = "\n".join(str(v) for v in value) if isinstance(value, list) else (value or "")
        widget = "lines"
    elif f.kind == "bool":
        text = "" if value is None else ("yes" if value in (True, "yes") else "no" if value in (False, "no")
                                         else str(value))
        widget = "yesno"
    elif f.kind == "choice":
        text, widget = value or "", "select"
    elif f.kind in ("date", "past_date"):
        text, widget = value or "", "date"
    elif f.kind == "count":
        text, widget = "" if value is None else str(value), "number"
    else:
        text, widget = value or "", "textarea" if f.name in LONG_TEXT else "text"
    label = f.name.replace("_", " ").capitalize()
    return {"name": f.name, "label": label, "widget": widget, "value": text, "help": f.help,
            "example": EXAMPLES.get(f.name, ""), "choices": f.choices,
            "hint": "one per line" if widget == "lines" else ""}


def payload(fields: list[FieldView], form: Mapping[str, str]) -> dict[str, Any]:
    """The posted values of the gate's own fields (lists: one item per line); anything else posted is ignored."""
    out: dict[str, Any] = {}
    for f in fields:
        raw = form.get(f.name, "")
        if f.kind in ("text_list", "date_list"):
            items = [line.strip() for line in raw.splitlines() if line.strip()]
            if items:
                out[f.name] = items
        elif raw.strip():
            out[f.name] = raw if f.kind == "text" else raw.strip()
    return out


def with_values(fields: list[FieldView], form: Mapping[str, str]) -> list[FieldView]:
    """The fields showing what was typed (after a refused submit), so nothing has to be typed twice."""
    out = []
    for f in fields:
        raw = form.get(f.name, "")
        value: Any = raw.splitlines() if f.kind in ("text_list", "date_list") else raw
        out.append(FieldView(f.name, f.kind, f.help, f.choices, value))
    return out
