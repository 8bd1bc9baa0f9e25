"""The daily sweep's Markdown summary, the run's artifact `copflow-sweep`: what needs the OD manager (written
from the same digest value as the OD manager's mail, so the two agree), then what the sweep did on its own."""

from __future__ import annotations

from typing import Any

from notifications.vocabulary import decision_words, gate_words, long_date, names, plural

# Prefect's current UI (V2, served under /v2) shows an artifact by key at this path; the older UI at the root
# draws a Mermaid diagram as raw text. With a server's UI address (copflow.runs.ui_url) the links are absolute;
# without one (embedded runs, browsed later with `prefect server start`) relative to the server's root.
UI_BASE = "/v2"
ARTIFACT_LINK = UI_BASE + "/artifacts/key/{key}"
RUN_LINK = UI_BASE + "/runs/flow-run/{id}"


def _root(ui: str | None) -> str:
    """The server's root: a UI address that already names the V2 UI loses that suffix (the links add it)."""
    root = (ui or "").rstrip("/")
    return root.removesuffix(UI_BASE)


MAX_LISTED = 50  # a summary stays readable on a bad day; the outbox has the rest


def run_url(ui: str | None) -> str | None:
    """This flow run's page in the current Prefect UI, when there is a server to open it on."""
    if ui is None:
        return None
    from prefect.runtime import flow_run

    return f"{_root(ui)}{RUN_LINK.format(id=flow_run.id)}" if flow_run.id else None


def artifact_url(key: str, ui: str | None) -> str | None:
    """An artifact's page in the current Prefect UI, when there is a server to open it on."""
    return f"{_root(ui)}{ARTIFACT_LINK.format(key=key)}" if ui else None


def _link(label: str, key: str, ui: str | None) -> str:
    return f"[{label}]({_root(ui)}{ARTIFACT_LINK.format(key=key)})"


def _listed(title: str, items: list[str], more_hint: str = "") -> list[str]:
    if not items:
        return []
    lines = ["", f"## {title}", *[f"- {i}" for i in items[:MAX_LISTED]]]
    if len(items) > MAX_LISTED:
        lines.append(f"- … and {len(items) - MAX_LISTED} more{more_hint}")
    return lines


def _escalations(digest: dict[str, Any]) -> list[str]:
    out = []
    for g in digest.get("escalations", []):
        gates = "; ".join(f"{gate_words(i['gate'])} {plural(i['days'], 'day')} late"
                          + (" (sponsor told)" if i["audience"] == "sponsor" else "")
                          + (f", reason: {i['reason']}" if i.get("reason") else "") for i in g["items"])
        out.append(f"**{g['name']}**: {gates}. Leads {names(g['leads']) or 'none named'}; "
                   f"sponsor {names(g['sponsors']) or 'none named'}")
    return out


def sweep_markdown(now_iso: str, counts: dict[str, Any], evaluated: list[dict[str, Any]],
                   digest: dict[str, Any], delivery: dict[str, Any], ui: str | None = None) -> str:
    rows = [("CoPs with something due", counts["cops"]), ("Reviews opened", counts["reviews_opened"]),
            ("Reminders sent to leads and sponsors", counts["notices_queued"]),
            ("Reminders sent to action owners", counts.get("action_reminders", 0)),
            ("CoPs overdue with the sponsor or OD manager", len(digest.get("escalations", []))),
            ("Reviews evaluated", len(evaluated)), ("CoPs archived and closed", len(digest.get("closed", []))),
            ("Mail sent", counts.get("sent", delivery["sent"])), ("Mail to retry later", delivery["retried"]),
            ("Mail refused by the server", delivery["parked"]),
            ("Mail still waiting (sending limits, retrying or in flight)",
             counts.get("waiting", delivery.get("waiting", 0))),
            ("Skipped (changed by someone else; next sweep)", counts["conflicts"])]
    if "mail_purged" in counts:  # retention (docs/privacy.md): content of mail sent before the period, removed today
        days = counts.get("retention_days", 365)
        rows += [(f"Sent mail purged (older than {days} days)", counts["mail_purged"]),
                 ("Of which with an attachment", counts.get("attachments_purged", 0)),
                 (f"Refused mail older than {days} days, kept until resolved", counts.get("parked_kept", 0))]
    lines = [f"# Daily sweep, {long_date(now_iso[:10])}", "", "| What | How many |", "|---|---|",
             *[f"| {what} | {n} |" for what, n in rows]]
    if delivery.get("waiting") and delivery.get("clears_at"):  # the relay's limits hold it; it goes on its own
        lines += ["", f"Mail waiting: {delivery['waiting']}; at the relay's pace all of it will have gone by "
                      f"{long_date(delivery['clears_at'][:10])}, {delivery['clears_at'][11:16]} UTC."]
    lines += _listed("Closure archives that failed", [f"**{a['name']}**: {a['reason']}"
                                                      for a in digest.get("archive_failed", [])])
    lines += _listed("Overdue, with the sponsor or the OD manager", _escalations(digest))
    lines += _listed("Reviews waiting for a decision", [
        f"{_link(r['name'], 'copflow-evaluation-' + r['slug'], ui)}: recommends "
        f"**{decision_words(r['recommendation'])}**; decide by {long_date(r['decide_by'])}"
        for r in digest.get("reviews", [])])
    lines += _listed("Reviews without a survey link (members not asked)",
                     [r["name"] for r in digest.get("no_survey", [])])
    lines += _listed("Reviews opened today (members got the survey call)", counts["opened"])
    lines += _listed("Evaluated today", [
        f"{_link(e.get('name', e['slug']), 'copflow-evaluation-' + e['slug'], ui)}: recommends "
        f"**{decision_words(e['recommendation'])}**" for e in evaluated])
    lines += _listed("Closed and archived today", [
        f"{_link(c['name'], 'copflow-closure-' + c['slug'], ui)}: archive {c['archive']}"
        for c in digest.get("closed", [])])
    lines += _listed("Mail the server refused", delivery.get("parked_messages", []),
                     " (`copflow outbox list --status parked`)")
    lines += _listed("Delivery errors (retried on the next run)", delivery.get("errors", []))
    lines += ["", f"The OD manager's digest: {'sent' if digest.get('queued') else 'nothing new to send'}.",
              f"Portfolio: {_link('what needs attention now', 'copflow-attention', ui)}, "
              f"{_link('every CoP', 'copflow-portfolio', ui)} (weekly)."]
    return "\n".join(lines) + "\n"
