"""Commands over the record: CoPs, people, memberships, gate evidence, advancing, the portfolio."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from copflow.cli import context as ctx
from copflow.terminal import shown
from lifecycle.grants import Acting, Actor

cop_app = typer.Typer(help="Propose, list and show CoPs.", no_args_is_help=True)
person_app = typer.Typer(help="Add people (staff who take part in CoPs), record that they left, export or erase "
                              "their data.", no_args_is_help=True)
member_app = typer.Typer(help="Give people roles in a CoP, or record that they left it.", no_args_is_help=True)
gate_app = typer.Typer(help="Record the evidence that passes a gate.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ByOpt = Annotated[str | None, typer.Option("--by", help="Who is doing this (default: $COPFLOW_USER or login).")]


@cop_app.command("create")
def cop_create(
    slug: Annotated[str, typer.Argument(help="Short id: lowercase letters, digits, dashes (e.g. data-insight).")],
    name: Annotated[str, typer.Option("--name", help="The CoP's name.")],
    timezone: Annotated[str | None, typer.Option(help="IANA time zone for its meetings (default: policy's).")] = None,
    domain: Annotated[str | None, typer.Option(help="What the CoP's shared practice is about.")] = None,
    place: Annotated[str | None, typer.Option(help="Where it meets: a room, or an online meeting link.")] = None,
) -> None:
    """Propose a new CoP; it starts in stage forming."""
    from copflow.services.cops import propose_cop

    c = propose_cop(ctx.uow(), slug=slug, name=name, now=ctx.now(), policy=ctx.policy(), timezone=timezone,
                    domain=domain, place=place)
    from copflow.cli.cop_detail import gate_title, stage_title
    from notifications.vocabulary import long_date

    typer.echo(f"created {c.slug} ({c.name}) in stage {stage_title(c.stage)}; "
               f"{gate_title(c.next_due_gate or '')} due {long_date(c.next_due_on)}")


@cop_app.command("list")
def cop_list(
    stage: Annotated[str | None, typer.Option(help="Only CoPs in this stage.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List CoPs with their stage and next due gate."""
    from copflow.cli.cop_detail import gate_title, stage_title
    from copflow.services.cops import list_cops
    from lifecycle import parse_stage

    rows = list_cops(ctx.uow(), stage=parse_stage(stage) if stage else None)
    if as_json:
        ctx.print_json([r.__dict__ for r in rows])
        return
    ctx.table(None, ["slug", "name", "stage", "next gate", "due", "next review"],
              [[r.slug, r.name, stage_title(r.stage), gate_title(r.next_due_gate) if r.next_due_gate else None,
                r.next_due_on, r.next_review_on] for r in rows])


@cop_app.command("show")
def cop_show(slug: Annotated[str, typer.Argument(help="The CoP's slug.")], as_json: JsonOpt = False) -> None:
    """Show one CoP: members, charter, what blocks each way out, evidence and history."""
    from copflow.services.cops import show_cop

    d = show_cop(ctx.uow(), slug, ctx.now(), ctx.policy())
    if as_json:
        ctx.print_json(d.as_dict())
        return
    from copflow.cli.cop_detail import print_cop

    print_cop(d)


@person_app.command("add")
def person_add(
    email: Annotated[str, typer.Argument(help="Work email address (validated and normalised).")],
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    department: Annotated[str | None, typer.Option(help="Department or unit.")] = None,
    line_manager: Annotated[str | None, typer.Option(help="Line manager's email address.")] = None,
    update: Annotated[bool, typer.Option("--update", help="Change the person if they exist.")] = False,
) -> None:
    """Add a person (or change one with --update)."""
    from copflow.services.people.members import add_person

    p = add_person(ctx.uow(), email=email, name=name, department=department, line_manager=line_manager,
                   now=ctx.now(), update=update)
    typer.echo(f"{'updated' if update else 'added'} {p.name} <{p.email}>")


@member_app.command("add")
def member_add(
    slug: Annotated[str, typer.Argument(help="The CoP's slug.")],
    email: Annotated[str, typer.Argument(help="The person's email (add them first with `person add`).")],
    role: Annotated[str, typer.Option(help="lead, coordinator, core, wider, sponsor, member_support, "
                                            "information_resources, online_space_admin, od_manager_contact")],
) -> None:
    """Give a person a role in a CoP; they are invited to the live meetings that role attends."""
    from copflow.services.people.members import add_member

    changes = add_member(ctx.uow(), slug=slug, email=email, role=role, now=ctx.now(), policy=ctx.policy(),
                         acting=Acting(Actor.OD_MANAGER, ctx.actor(None)))
    typer.echo(f"{email} is now {role} of {slug}")
    _tell_calendar_changes(changes)


@member_app.command("leave")
def member_leave(
    slug: Annotated[str, typer.Argument(help="The CoP's slug.")],
    email: Annotated[str, typer.Argument(help="The person who leaves.")],
    role: Annotated[str | None, typer.Option(help="End only this role (default: every role they hold).")] = None,
    on: Annotated[str | None, typer.Option("--on", help="The day they left, YYYY-MM-DD (default: today).")] = None,
) -> None:
    """Record that someone left a CoP: kept in its history with the date, taken off the meetings they no longer
    attend (a cancellation in their calendar); a series they organised is sent again by another lead."""
    from copflow.services.people.roster import end_membership

    left = end_membership(ctx.uow(), slug=slug, email=email, role=role, left_on=_on(on), now=ctx.now(),
                          policy=ctx.policy(), acting=Acting(Actor.OD_MANAGER, ctx.actor(None)))
    typer.echo(f"{email} left {slug} ({', '.join(left.roles)})")
    _tell_calendar_changes(left.changes)


@person_app.command("leave")
def person_leave(
    email: Annotated[str, typer.Argument(help="The person who leaves the organisation.")],
    on: Annotated[str | None, typer.Option("--on", help="The day they left, YYYY-MM-DD (default: today).")] = None,
) -> None:
    """Someone leaves the organisation: they leave every open CoP they are in, in one go (refused, with nothing
    changed, if a CoP would be left without a coordinator or lead)."""
    from copflow.services.people.roster import leave_organisation

    done = leave_organisation(ctx.uow(), email=email, left_on=_on(on), now=ctx.now(), policy=ctx.policy())
    for left in done:
        typer.echo(f"{email} left {left.slug} ({', '.join(left.roles)})")
    _tell_calendar_changes([c for left in done for c in left.changes])


@person_app.command("reachable")
def person_reachable(
    email: Annotated[str, typer.Argument(help="The person whose address works again.")],
    by: Annotated[str | None, typer.Option("--by", help="Who says so (default: $COPFLOW_USER); kept in the "
                                                         "audit.")] = None,
) -> None:
    """A person's address works again after a hard bounce (their mailbox was full, a typo was fixed): their
    reminders go to them again instead of the next who can act."""
    from copflow.services.people.reachable import mark_reachable

    done = mark_reachable(ctx.uow(), email=email, by=ctx.actor(by), now=ctx.now())
    if done.bounced_at is None:
        typer.echo(f"{done.email} was not marked undeliverable: nothing changed")
        return
    typer.echo(f"{done.email} is reachable again (it bounced on {done.bounced_at:%Y-%m-%d}: "
               f"{shown(' '.join((done.reason or 'no reason given').split())[:300])})")


def _on(text: str | None) -> date | None:
    return ctx.day(text, "--on") if text else None


def _tell_calendar_changes(changes: list[str]) -> None:
    for line in changes:
        typer.echo(f"  calendar: {line}")
    if changes:
        from copflow.runs import deliver_now

        ctx.unsent(deliver_now(ctx.settings(), now=ctx.now(), queued=ctx.queued()))


@gate_app.command("record")
def gate_record(
    slug: Annotated[str, typer.Argument(help="The CoP's slug.")],
    gate: Annotated[str, typer.Argument(help="The gate, e.g. sponsor_meeting_done (see `copflow gate fields`).")],
    field: Annotated[list[str] | None, typer.Option("--field", "-f", help="KEY=VALUE; repeat a key for lists.")]
    = None,
    by: ByOpt = None,
) -> None:
    """Record evidence for a gate of the CoP's current stage (dates as YYYY-MM-DD)."""
    from copflow.services.evidence import record_evidence  # Core only: no ORM to load (docs/benchmarks.md)

    stored = record_evidence(ctx.uow(), slug=slug, gate=gate, payload=_fields(gate, field or []),
                             by=ctx.actor(by), now=ctx.now(), policy=ctx.policy())
    typer.echo(f"recorded {gate} for {slug}: {', '.join(sorted(stored)) or 'no fields'}")


@gate_app.command("fields")
def gate_fields(gate: Annotated[str | None, typer.Argument(help="One gate (default: all).")] = None) -> None:
    """List the evidence fields each gate takes."""
    from lifecycle import EVIDENCE_FIELDS, parse_gate

    gates = [parse_gate(gate)] if gate else list(EVIDENCE_FIELDS)
    ctx.table(None, ["gate", "field", "kind", "meaning"],
              [[g.value, f.name, f.kind, f.help] for g in gates for f in EVIDENCE_FIELDS[g]])


def _fields(gate: str, pairs: list[str]) -> dict[str, Any]:
    from lifecycle import EVIDENCE_FIELDS, parse_gate

    kinds = {f.name: f.kind for f in EVIDENCE_FIELDS[parse_gate(gate)]}
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ctx.UsageError(f"--field takes KEY=VALUE, not {pair!r}", gate=gate, field="--field", value=pair)
        if kinds.get(key, "").endswith("_list"):
            out.setdefault(key, []).append(value)
        elif key in out:
            raise ctx.UsageError(f"--field {key} given twice (only list fields repeat)", gate=gate, field=key)
        else:
            out[key] = value
    return out


def register_record_commands(app: typer.Typer) -> None:
    app.command("advance")(advance)
    app.command("status")(status)


def advance(
    slug: Annotated[str, typer.Argument(help="The CoP's slug.")],
    to: Annotated[str | None, typer.Option("--to", help="Target stage, where there is a choice.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why (kept in the audit trail).")] = None,
    by: ByOpt = None,
) -> None:
    """Move a CoP to its next stage if every gate is met; otherwise list everything that is missing."""
    from copflow.services.gates import advance as advance_service

    r = advance_service(ctx.uow(), slug=slug, by=ctx.actor(by), now=ctx.now(), policy=ctx.policy(), target=to,
                        reason=reason, od_manager=ctx.settings().od_manager_email)
    typer.echo(f"{r.slug}: {ctx.moved(r.from_stage, r.to_stage)}" +
               (f"; next: {r.next_due_gate.replace('_', ' ')} due {r.next_due_on}" if r.next_due_gate else ""))
    for w in r.warnings:
        typer.echo(f"warning: {w}", err=True)
    from copflow.runs import after_gate

    ctx.unsent(after_gate(ctx.settings(), r, now=ctx.now(), queued=ctx.queued()))


def status(
    stage: Annotated[str | None, typer.Option(help="Only CoPs in this stage.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only CoPs past a gate's due date.")] = False,
    reviews_within: Annotated[int | None, typer.Option(
        "--reviews-within", min=0, max=3660, metavar="DAYS",
        help="Only CoPs whose next review falls within DAYS (e.g. 90).")] = None,
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (for a spreadsheet) instead of a table.")] = False,
) -> None:
    """The portfolio: each CoP's stage, next gate, due date, overdue days, next review and health."""
    from copflow.services.portfolio import PortfolioRow, portfolio
    from lifecycle import STAGE_TITLES, Stage, parse_stage
    from notifications.vocabulary import plural

    if as_json and as_csv:
        raise ctx.UsageError("--json and --csv: choose one", field="--csv")
    rows = portfolio(ctx.uow(), now=ctx.now(), policy=ctx.policy(), stage=parse_stage(stage) if stage else None,
                     overdue_only=overdue, reviews_within_days=reviews_within)
    if as_json:
        ctx.print_json([r.as_dict() for r in rows])
        return
    if as_csv:
        import csv
        import sys

        out = csv.DictWriter(sys.stdout, fieldnames=list(PortfolioRow.__dataclass_fields__), lineterminator="\n")
        out.writeheader()
        out.writerows({k: _spreadsheet_safe(v) for k, v in r.as_dict().items()} for r in rows)
        return
    ctx.table(f"Portfolio ({plural(len(rows), 'CoP')})", ["CoP", "stage", "next gate", "due", "overdue", "next review",
                                                 "health"],
              [[r.slug, STAGE_TITLES.get(Stage(r.stage), r.stage), r.next_gate, r.due_on, r.overdue_days or "",
                r.next_review_on, r.health]
               for r in rows])


def _spreadsheet_safe(value: object) -> object:
    """A text cell a spreadsheet would run as a formula (a CoP named "=HYPERLINK(…)") is opened as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
