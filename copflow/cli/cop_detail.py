"""`cop show` for people: gates, stages and roles in the vocabulary's words and dates in full, as `status` and
the mails say them; `--json` keeps the machine values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from copflow.cli import context as ctx
from lifecycle import GATE_TITLES, STAGE_TITLES, Gate, Stage
from notifications.vocabulary import long_date, role_words, short_date

# What each way out of a stage does, as the OD manager says it.
TRIGGER_WORDS = {"advance": "Advance", "open_review": "Open the review", "pass": "Pass the review",
                 "evolve": "Evolve", "close": "Close", "archive": "Archive"}


def stage_title(value: str) -> str:
    return STAGE_TITLES[Stage(value)] if value in {s.value for s in Stage} else value


def gate_title(value: str) -> str:
    return GATE_TITLES[Gate(value)] if value in {g.value for g in Gate} else value.replace("_", " ")


def print_cop(d: Any) -> None:
    from rich.text import Text

    out = ctx.console()
    out.print(Text(f"{d.name} ({d.slug}) — stage {stage_title(d.stage)}, time zone {d.timezone}", style="bold"))
    if d.domain:
        out.print(Text(f"Domain: {d.domain}"))
    if d.next_due_gate:
        out.print(Text(f"Next gate: {gate_title(d.next_due_gate)}, due {long_date(d.next_due_on)}"))
    if d.channel:
        out.print(Text(f"Chat channel: {d.channel}"))
    ctx.table("Members", ["email", "name", "role", "department"],
              [[m.email + (" (mail to it bounces)" if m.bounces else ""), m.name, role_words(m.role), m.department]
               for m in d.members])
    if d.former_members:
        ctx.table("Former members", ["email", "name", "role", "joined", "left"],
                  [[m.email, m.name, role_words(m.role), short_date(m.joined_on), short_date(m.left_on)]
                   for m in d.former_members])
    for way in d.ways_out:
        state = "ready" if not way.unmet else "blocked"
        words = TRIGGER_WORDS.get(way.trigger, way.trigger.replace("_", " "))
        out.print(Text(f"{words} (to the {stage_title(way.to)} stage): {state}"))
        for u in way.unmet:
            out.print(Text(f"  - {u}"))
        for w in way.warnings:
            out.print(Text(f"  ! {w}", style="yellow"))
    c = d.charter
    if c is not None:
        out.print(Text(f"Charter {c.version}, published {short_date(c.published_on)}: {c.link}", style="bold"))
        out.print(Text(f"  Purpose: {c.purpose}"))
        out.print(Text("  Aims: " + "; ".join(c.aims or [])))
        out.print(Text("  Annual targets: " + "; ".join(c.annual_targets or [])))
        if c.review_dates:
            out.print(Text("  Review dates: " + ", ".join(short_date(x) for x in c.review_dates)))
    if d.evidence:
        ctx.table("Evidence", ["gate", "recorded", "by", "what"],
                  [[gate_title(e.gate), local_time(e.recorded_at, d.timezone), e.recorded_by,
                    "; ".join(f"{k.replace('_', ' ')}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                              for k, v in e.payload.items() if v not in (None, "", []))]
                   for e in d.evidence])
    if d.transitions:
        ctx.table(f"History (times in {d.timezone})", ["at", "from", "to", "by", "reason"],
                  [[local_time(t.at, d.timezone), stage_title(t.from_stage) if t.from_stage else "",
                    stage_title(t.to), t.by, t.reason] for t in d.transitions])


def local_time(at: str, tz: str) -> str:
    """A stored UTC time as the CoP's local date and time, to the minute."""
    value = datetime.fromisoformat(at)
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return f"{value.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M}"
