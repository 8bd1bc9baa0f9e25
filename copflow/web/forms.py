"""From a gate's evidence fields (lifecycle/evidence.py) to form controls, and from a posted form back to the
payload `gate record` takes. Which value is acceptable is decided by the lifecycle, never here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Protocol

from copflow.web.views.lead_pages import FieldView
from notifications.vocabulary import date_from_words as iso_date
from notifications.vocabulary import short_date

# Examples shown under each field (what a good answer looks like, dates in words: a date control shows its own
# calendar and submits ISO, and a list of dates may be typed either way); the help text comes from the lifecycle.
EXAMPLES: dict[str, str] = {
    "domain": "Using data and evidence to make better decisions across the university",
    "formed_on": "10 February 2026",
    "held_on": "4 March 2026",
    "notes": "Scope agreed: reporting and dashboards first; the sponsor joins a catch-up every six weeks",
    "version": "1.0",
    "purpose": "Help staff who work with data learn from each other and share good practice",
    "aims": "Share good practice\nRun a seminar series",
    "annual_targets": "4 lunch and learns\n2 blog posts",
    "review_dates": "1 March 2027\n1 March 2028",
    "review_cadence_months": "12",
    "link": "https://sharepoint.example.org/sites/data-cop/charter",
    "published_on": "20 March 2026",
    "attendance": "42",
    "feedback": "Members asked for hands-on sessions on dashboards",
    "due_on": "1 March 2027",
    "reason": "The community met its targets and wants to carry on",
    "decided_by": "od.manager@example.org",
    "closing_date": "30 June 2027",
    "evaluation_done": "yes",
    "sponsor_attended": "yes",
}
# The lifecycle's help names other fields by their ids; a person reads these instead.
HELP: dict[str, str] = {
    "review_dates": "planned review dates (or say below how often to review)",
    "review_cadence_months": "how many months between reviews (if there are no review dates)",
}
LONG_TEXT = {"domain", "notes", "purpose", "feedback", "reason"}


def control(f: FieldView) -> dict[str, Any]:
    """How one field is drawn: the input type, its current value as text, and its example."""
    value = f.value
    if f.kind in ("text_list", "date_list"):
        items = [short_date(v) if f.kind == "date_list" and _is_iso(v) else str(v)
                 for v in (value if isinstance(value, list) else [])]
        text = "\n".join(items) if isinstance(value, list) else (value or "")
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
    return {"name": f.name, "label": label, "widget": widget, "value": text, "help": HELP.get(f.name, f.help),
            "example": EXAMPLES.get(f.name, ""), "choices": f.choices,
            "hint": {"lines": "Write one per line.", "date": "Pick the day in the calendar."}.get(widget, "")}


class Named(Protocol):
    """An evidence field as a form reads it: lifecycle's `Field` or a page's `FieldView`."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...


def payload(fields: Sequence[Named], form: Mapping[str, str]) -> dict[str, Any]:
    """The posted values of the gate's own fields (lists: one item per line); anything else posted is ignored."""
    out: dict[str, Any] = {}
    for f in fields:
        raw = form.get(f.name, "")
        if f.kind in ("text_list", "date_list"):
            items = [line.strip() for line in raw.splitlines() if line.strip()]
            if f.kind == "date_list":
                items = [iso_date(i) for i in items]
            if items:
                out[f.name] = items
        elif raw.strip():
            out[f.name] = raw if f.kind == "text" else iso_date(raw.strip()) if f.kind in ("date", "past_date") \
                else raw.strip()
    return out


def _is_iso(value: object) -> bool:
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def with_values(fields: list[FieldView], form: Mapping[str, str]) -> list[FieldView]:
    """The fields showing what was typed (after a refused submit), so nothing has to be typed twice."""
    out = []
    for f in fields:
        raw = form.get(f.name, "")
        value: Any = raw.splitlines() if f.kind in ("text_list", "date_list") else raw
        out.append(FieldView(f.name, f.kind, f.help, f.choices, value))
    return out
