"""The daily sweep's Markdown summary, the run's artifact `copflow-sweep`: what it opened, queued, escalated,
evaluated, closed, sent and failed to send, with links to the reports and manifests it published."""

from __future__ import annotations

from typing import Any

# Prefect's UI shows an artifact by key at this path. With a server's UI address (copflow.runs.ui_url) the links
# are absolute; without one (embedded runs, browsed later with `prefect server start`) relative to the UI's root.
ARTIFACT_LINK = "/artifacts/key/{key}"
MAX_LISTED = 50  # a summary stays readable on a bad day; the outbox has the rest


def _link(label: str, key: str, ui: str | None) -> str:
    return f"[{label}]({(ui or '').rstrip('/')}{ARTIFACT_LINK.format(key=key)})"


def _listed(title: str, items: list[str], more_hint: str = "") -> list[str]:
    if not items:
        return []
    lines = ["", f"## {title}", *[f"- {i}" for i in items[:MAX_LISTED]]]
    if len(items) > MAX_LISTED:
        lines.append(f"- … and {len(items) - MAX_LISTED} more{more_hint}")
    return lines


def sweep_markdown(now_iso: str, counts: dict[str, Any], evaluated: list[dict[str, Any]],
                   closed: list[dict[str, Any]], delivery: dict[str, Any], ui: str | None = None) -> str:
    rows = [("CoPs with something due", counts["cops"]), ("batches", counts["batches"]),
            ("reviews opened", counts["reviews_opened"]), ("notices queued", counts["notices_queued"]),
            ("of which escalations", counts["escalations_queued"]), ("reviews evaluated", len(evaluated)),
            ("CoPs archived and closed", len(closed)), ("mail sent", delivery["sent"]),
            ("mail to retry later", delivery["retried"]), ("mail parked (refused)", delivery["parked"]),
            ("mail still waiting (throttled, retrying or in flight)", delivery.get("waiting", 0)),
            ("skipped (changed by someone else; next sweep)", counts["conflicts"])]
    if "mail_purged" in counts:  # retention (docs/privacy.md): content of mail sent before the period, removed today
        days = counts.get("retention_days", 365)
        rows += [(f"sent mail purged (older than {days} days)", counts["mail_purged"]),
                 ("of which with an attachment", counts.get("attachments_purged", 0)),
                 (f"parked mail older than {days} days, kept until resolved", counts.get("parked_kept", 0))]
    lines = [f"# Daily sweep {now_iso[:10]}", "", "| what | count |", "|---|---|",
             *[f"| {what} | {n} |" for what, n in rows]]
    if delivery.get("waiting") and delivery.get("clears_at"):  # the relay's limits hold it; it goes on its own
        lines += ["", f"Mail waiting: {delivery['waiting']}; at the relay's pace all of it will have gone by "
                      f"{delivery['clears_at'][:16].replace('T', ' ')} UTC."]
    lines += _listed("Reviews opened (members got the survey call)", counts["opened"])
    lines += _listed("Escalations", counts["escalated"])
    lines += _listed("Evaluations", [
        f"{_link(e['slug'], 'copflow-evaluation-' + e['slug'], ui)}: recommends **{e['recommendation']}**"
        + (f"; report `{e['report']}`" if e.get("report") else "") for e in evaluated])
    lines += _listed("Closed and archived", [
        f"{_link(c['slug'], 'copflow-closure-' + c['slug'], ui)}: `{c['path']}`" for c in closed])
    lines += _listed("Mail the server refused (parked)", delivery.get("parked_messages", []),
                     " (`copflow outbox list --status parked`)")
    lines += _listed("Delivery errors (retried on the next run)", delivery.get("errors", []))
    lines += ["", f"Portfolio: {_link('copflow-attention', 'copflow-attention', ui)} (due or overdue now), "
                  f"{_link('copflow-portfolio', 'copflow-portfolio', ui)} (every CoP, weekly)."]
    return "\n".join(lines) + "\n"
