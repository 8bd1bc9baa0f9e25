"""The daily sweep's Markdown summary, the run's artifact `copflow-sweep`: what needs the OD manager (written
from the same digest value as the OD manager's mail, so the two agree) and what the sweep did on its own, by
name, then the counts."""

from __future__ import annotations

from collections import Counter
from typing import Any

from notifications.markdown_views import RUN_LINK, artifact_href, cop_cell, escape, link, table, ui_root
from notifications.vocabulary import decision_words, gate_words, long_date, names, plural

MAX_LISTED = 50  # a summary stays readable on a bad day; the outbox has the rest
# The CoPs the attention artifact lists (copflow.services.portfolio, attention_only), in both artifacts' words.
ATTENTION_WORDS = "CoPs with something due soon or overdue"


def closure_markdown(name: str, path: str, manifest_sha256: str, manifest: dict[str, Any]) -> str:
    """The closure record's artifact: the CoP by its name, the archive, and every file's checksum."""
    rows = "\n".join(f"| {escape(f['path'])} | {f['size']} | `{f['sha256'][:16]}…` |" for f in manifest["files"])
    return (f"# {escape(name)} closed and archived\n\nArchive: `{path}`  \nManifest SHA-256: `{manifest_sha256}`  \n"
            f"Schema version {manifest['schema_version']}\n\n| file | bytes | SHA-256 |\n|---|---|---|\n{rows}\n")


def run_url(ui: str | None) -> str | None:
    """This flow run's page in the current Prefect UI, when there is a server to open it on."""
    if ui is None:
        return None
    from prefect.runtime import flow_run

    return f"{ui_root(ui)}{RUN_LINK.format(id=flow_run.id)}" if flow_run.id else None


def artifact_url(key: str, ui: str | None) -> str | None:
    """An artifact's page in the current Prefect UI, when there is a server to open it on."""
    return artifact_href(key, ui) if ui else None


def _link(label: str, key: str, ui: str | None) -> str:
    return link(label, artifact_href(key, ui))


def _cop(item: dict[str, Any], web_url: str | None, ui: str | None, *artifacts: tuple[str, str],
         on_hub: bool = True) -> str:
    """The CoP's name, linking to its entry on the hub (with a web address, while the hub lists it: not once
    closed), then its own artifacts."""
    name = item.get("name") or item["slug"]
    if web_url is None:
        extra = "".join(f" · {_link(label, key, ui)}" for label, key in artifacts)
        return f"**{escape(name)}**{extra}"
    return cop_cell(name, item["slug"], web_url, artifacts, ui, on_hub=on_hub)


def _listed(title: str, items: list[str], more_hint: str = "") -> list[str]:
    if not items:
        return []
    lines = ["", f"## {title}", *[f"- {i}" for i in items[:MAX_LISTED]]]
    if len(items) > MAX_LISTED:
        lines.append(f"- … and {len(items) - MAX_LISTED} more{more_hint}")
    return lines


def reminders_words(queued: int, to_sponsors: int) -> str:
    """The sweep's reminders in one plain phrase: "4 reminders to leads; none to a sponsor" (`queued` counts all)."""
    leads = queued - to_sponsors
    sponsors = "none to a sponsor" if not to_sponsors else ("1 to a sponsor" if to_sponsors == 1
                                                             else f"{to_sponsors} to sponsors")
    return f"{plural(leads, 'reminder') if leads else 'no reminders'} to leads; {sponsors}"


def _told(item: dict[str, Any], today: str | None) -> str:
    """Whom the ladder has reached for one late gate: its rungs fall on fixed days, so maybe nobody yet."""
    leads, sponsor = item.get("leads_told_on"), item.get("sponsor_told_on")
    told = ("not yet told" if not sponsor else "told today" if sponsor == today
            else f"told on {long_date(sponsor)}")
    reminded = ("not reminded" if not leads else "reminded today" if leads == today
                else f"last reminded {long_date(leads)}")
    return f" (leads {reminded}; sponsor {told})"


def _escalations(digest: dict[str, Any], web_url: str | None, ui: str | None) -> list[str]:
    """A table, most overdue first (the digest's order): what is late, whom the sweep told, the people to ask."""
    rows = []
    for g in digest.get("escalations", []):
        late = "; ".join(f"{gate_words(i['gate'])}, {plural(i['days'], 'day')} late"
                         + ("" if i["gate"] == "archive_verified" else _told(i, digest.get("on")))
                         + (f"; reason: {i['reason']}" if i.get("reason") else "") for i in g["items"])
        rows.append((_cop(g, web_url, ui), escape(late[:1].upper() + late[1:]),
                     escape(names(g["leads"]) or "none named"), escape(names(g["sponsors"]) or "none named")))
    if not rows:
        return []
    return ["", "## Overdue",
            *table(("CoP", "What is late", "Leads", "Sponsor"), rows[:MAX_LISTED]),
            *([f"\n… and {len(rows) - MAX_LISTED} more"] if len(rows) > MAX_LISTED else [])]


def _timings(steps: list[dict[str, Any]]) -> list[str]:
    """Which part of the run took the time: each step, what it did, its seconds (Prefect's own work included)."""
    if not steps:
        return []
    total = sum(st["seconds"] for st in steps)
    return ["", "## Where the time went", "",
            *table(("Step", "What it did", "Seconds"),
                   [(escape(st["step"]), escape(st["did"]), f"{st['seconds']:.2f}") for st in steps]),
            "", f"{total:.2f} s in all."]


def sweep_markdown(now_iso: str, counts: dict[str, Any], evaluated: list[dict[str, Any]],
                   digest: dict[str, Any], delivery: dict[str, Any], ui: str | None = None,
                   web_url: str | None = None) -> str:
    """`ui`: the Prefect UI's address (None: links from the server's root); `web_url`: the hub's address, which
    each CoP's name links to (None: names in bold)."""
    # What needs attention counts the same CoPs as the attention artifact, at the same moment (after today's
    # closures and reviews): one definition, one number.
    rows = [(ATTENTION_WORDS, counts.get("attention", counts["cops"])), ("Reviews opened", counts["reviews_opened"]),
            ("Reminders sent to leads", counts["notices_queued"] - counts.get("escalations_queued", 0)),
            ("Reminders sent to sponsors", counts.get("escalations_queued", 0)),
            ("Reminders sent to action owners", counts.get("action_reminders", 0)),
            ("CoPs overdue with the sponsor or OD manager", len(digest.get("escalations", []))),
            ("Reviews evaluated", len(evaluated)), ("CoPs archived and closed", len(digest.get("closed", []))),
            ("Mail sent", counts.get("sent", delivery["sent"])), ("Mail to retry later", delivery["retried"]),
            ("Mail refused by the server", delivery["parked"]),
            ("Mail still waiting (sending limits, retrying or in flight)",
             counts.get("waiting", delivery.get("waiting", 0))),
            ("Skipped (changed by someone else; next sweep)", counts["conflicts"])]
    posts = delivery.get("posts") or {}
    if posts.get("posted") or posts.get("retried") or posts.get("parked") or posts.get("rate_limited"):
        rows[-1:-1] = [("Posts to chat channels", posts.get("posted", 0)),
                       ("Posts to retry later (the chat service failed or asked to wait)",
                        posts.get("retried", 0) + posts.get("rate_limited", 0)),
                       ("Posts a chat channel refused", posts.get("parked", 0))]
    if "agendas_queued" in counts:  # check-in agendas and sponsor briefs, one mail per attendee
        rows.insert(4, ("Check-in agendas and sponsor briefs (one per attendee)",
                        counts["agendas_queued"] + counts["briefs_queued"]))
    if "mail_purged" in counts:  # retention (docs/privacy.md): content of mail sent before the period, removed today
        days = counts.get("retention_days", 365)
        rows += [(f"Sent mail purged (older than {days} days)", counts["mail_purged"]),
                 ("Of which with an attachment", counts.get("attachments_purged", 0)),
                 (f"Refused mail older than {days} days, kept until resolved", counts.get("parked_kept", 0))]
    numbers = ["", "| What | How many |", "|---|---|", *[f"| {what} | {n} |" for what, n in rows]]
    if delivery.get("waiting") and delivery.get("clears_at"):  # the relay's limits hold it; it goes on its own
        numbers += ["", f"Mail waiting: {delivery['waiting']}; at the relay's pace all of it will have gone by "
                        f"{long_date(delivery['clears_at'][:10])}, {delivery['clears_at'][11:16]} UTC."]
    # What needs the OD manager comes first, within a laptop's first screen; the counts follow.
    lines: list[str] = []
    lines += _listed("Closure archives that failed", [f"{_cop(a, web_url, ui)}: {escape(a['reason'])}"
                                                      for a in digest.get("archive_failed", [])])
    lines += _listed("Documents not yet sent (the next sweep tries again)", [
        f"{_cop(d, web_url, ui)}: {escape(d['document'])}, owed since {long_date(d['since'])}: {escape(d['reason'])}"
        for d in digest.get("documents_missing", [])])
    lines += _escalations(digest, web_url, ui)
    lines += _listed("Reviews waiting for a decision", [
        f"{_cop(r, web_url, ui, ('evaluation', 'copflow-evaluation-' + r['slug']))}: recommends "
        f"**{decision_words(r['recommendation'])}**; decide by {long_date(r['decide_by'])}"
        for r in digest.get("reviews", [])])
    lines += _listed("Reviews without a survey link (members not asked)",
                     [_cop(r, web_url, ui) for r in digest.get("no_survey", [])])
    lines += _listed("Reviews opened today (members got the survey call)", [escape(n) for n in counts["opened"]])
    # Which communities, never which meetings: check-ins and catch-ups are private to their attendees, and an
    # artifact is read by whoever can open the Prefect UI.
    prepared = Counter(counts.get("prepared_for", []))
    lines += _listed("Meetings prepared today (agenda or brief sent)",
                     [f"{escape(name)}: {plural(n, 'meeting')}" for name, n in sorted(prepared.items())])
    lines += _listed("Evaluated today", [
        f"{_cop(e, web_url, ui, ('evaluation', 'copflow-evaluation-' + e['slug']))}: recommends "
        f"**{decision_words(e['recommendation'])}**" for e in evaluated])
    lines += _listed("Archived today", [
        f"{_cop(c, web_url, ui, ('closure record', 'copflow-closure-' + c['slug']), on_hub=False)}"
        f"{' (closed on ' + long_date(c['closed_on']) + ')' if c.get('closed_on') else ''}"
        f": archive {escape(c['archive'])}"
        f"{' (lessons learned never completed: the draft only)' if c.get('lessons_draft_only') else ''}"
        for c in digest.get("closed", [])])
    lines += _listed("Mail the server refused", [escape(m) for m in delivery.get("parked_messages", [])],
                     " (`copflow outbox list --status parked`)")
    lines += _listed("Posts a chat channel refused", [escape(m) for m in posts.get("parked_posts", [])],
                     " (set the channel again, then `copflow outbox retry --all-parked`)")
    lines += _listed("Delivery errors (retried on the next run)", [escape(e) for e in delivery.get("errors", [])])
    lines = [f"# Daily sweep, {long_date(now_iso[:10])}", *lines, *(["", "## In numbers"] if lines else []), *numbers]
    lines += ["", f"The OD manager's digest: {'sent' if digest.get('queued') else 'nothing new to send'}.",
              f"Portfolio: {_link('what needs attention now', 'copflow-attention', ui)}, "
              f"{_link('every CoP', 'copflow-portfolio', ui)} (weekly)."]
    lines += _timings(counts.get("steps", []))
    return "\n".join(lines) + "\n"
