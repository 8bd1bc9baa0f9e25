"""`copflow demo`: a sample portfolio walked through its gates on realistic dates, then a real sweep flow run.

Everything lands in one folder: the SQLite database, the Maildir, and Prefect's run records (PREFECT_HOME).
Re-running starts the copflow record afresh and keeps Prefect's run history.
"""

from __future__ import annotations

import mailbox
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from shlex import quote
from typing import Any

from copflow.db.migrate import upgrade
from copflow.db.uow import UnitOfWork
from copflow.demo.advice import copflow, web_hint
from copflow.demo.data import COPS, DOMAIN, PEOPLE, PLACES
from copflow.demo.days import DemoDays
from copflow.services import cops, gates
from copflow.services.mail.delivery import deliver_with_settings
from copflow.services.people import members
from copflow.services.people.roster import end_membership
from copflow.services.reviews.decide import decide_review
from copflow.services.snapshots import get_cop
from copflow.services.sweep.due_work import due_cop_batches, sweep_batch
from copflow.settings import HOME_SETTINGS, Settings, current_time, load_settings
from lifecycle import Policy
from lifecycle.grants import Acting, Actor
from notifications.sweep_summary import reminders_words
from notifications.vocabulary import long_date, plural, stage_words

DEMO_ACTOR = f"od.manager@{DOMAIN}"
DEMO_ACTING = Acting(Actor.OD_MANAGER, DEMO_ACTOR)  # the demo's rosters are set up by its OD manager
DEMO_SURVEY = f"https://forms.{DOMAIN}/cop-review?cop={{slug}}"


def step(message: str) -> None:
    """Progress while the demo works (it takes about half a minute)."""
    print(f"… {message}", flush=True)


def prepare(folder: Path) -> dict[str, str]:
    """Point copflow and Prefect at the demo folder (before Prefect is imported) and start afresh."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in ("copflow.db", "copflow.db-wal", "copflow.db-shm"):
        (folder / stale).unlink(missing_ok=True)
    shutil.rmtree(folder / "maildir", ignore_errors=True)
    shutil.rmtree(folder / "archives", ignore_errors=True)
    shutil.rmtree(folder / "reports", ignore_errors=True)
    shutil.rmtree(folder / "channel", ignore_errors=True)
    shutil.rmtree(folder / "inbox", ignore_errors=True)
    env = {
        "COPFLOW_HOME": str(folder),
        "COPFLOW_DATABASE_URL": f"sqlite:///{folder / 'copflow.db'}",
        "COPFLOW_MAILDIR": str(folder / "maildir"),
        "COPFLOW_ARCHIVE_DIR": str(folder / "archives"),
        "COPFLOW_REPORTS_DIR": str(folder / "reports"),
        "COPFLOW_OD_MANAGER_EMAIL": f"od.manager@{DOMAIN}",
        "COPFLOW_SENDER": f"CoP programme <cop-programme@{DOMAIN}>",
        "PREFECT_HOME": str(folder / "prefect"),
    }
    # The organisation's review survey: every review call carries its link (the policy's {slug} filled in).
    policy_file = folder / "policy.toml"
    # Agendas and sponsor briefs a week ahead (the default is 2 days): whatever the day the demo runs, the next
    # meeting day is within reach, so today's sweep sends Data and Insight's agenda and brief.
    # Posts to the demo's channel go twice a second (a real channel's default is one every three seconds).
    policy_file.write_text(f'survey_url = "{DEMO_SURVEY}"\nagenda_days_before = 7\nbrief_days_before = 7\n'
                           'channel_posts_per_minute = 120\n', encoding="utf-8")
    env["COPFLOW_POLICY"] = str(policy_file)
    # Kept in the folder too: every command run later with COPFLOW_HOME=<folder> (`copflow web`, `copflow
    # status`) sends as the demo's programme, not copflow@localhost, reads the same policy, and acts as the demo's
    # OD manager (COPFLOW_USER: the `copflow review decide` it prints runs as printed, whoever the login is).
    home = {**env, "COPFLOW_USER": env["COPFLOW_OD_MANAGER_EMAIL"]}
    (folder / HOME_SETTINGS).write_text(
        "# The demo's settings: read by every copflow command run with COPFLOW_HOME set to this folder.\n" + "".join(
            f"{key}={home[key]}\n" for key in ("COPFLOW_SENDER", "COPFLOW_OD_MANAGER_EMAIL", "COPFLOW_POLICY",
                                               "COPFLOW_USER")),
        encoding="utf-8")
    os.environ.update(env)
    for var in ("COPFLOW_SMTP_HOST", "PREFECT_API_URL"):
        os.environ.pop(var, None)  # the demo is the embedded default: Maildir, no server
    return env


def load_portfolio(url: str, today: date, policy: Policy, imports: Path | None = None,
                   channels: dict[str, str] | None = None,
                   deliver: Callable[[datetime], object] | None = None) -> None:
    """The six CoPs' stories, step by step on their days; the people extract is written to `imports` (a scratch
    folder when None: the tests that only need the portfolio). A CoP in `channels` (slug → address) has that chat
    channel from the day it is proposed. `deliver` (given a step's moment) sends what each step queued then, so
    every mail's Date is the day of the story it belongs to."""
    uow = UnitOfWork(url)
    days = DemoDays(policy)

    def at(days_ago: int, working: bool = False) -> datetime:
        day = today - timedelta(days=days_ago)
        return datetime.combine(days.held(day) if working else day, datetime.min.time(), UTC) + timedelta(hours=9)

    start = at(max(step[0] for c in COPS for step in c[3]) + 5)
    for local, name, dept, manager in PEOPLE:
        members.add_person(uow, email=f"{local}@{DOMAIN}", name=name, department=dept,
                          line_manager=f"{manager}@{DOMAIN}" if manager else None, now=start)
    for slug, name, roster, story in COPS:
        for days_ago, action, raw in story:
            # People act on working days: a stage entered on one has its gates due on one (weeks after it). The
            # daily sweep runs every day, on the day its step says (Events Management's review opens then).
            now = at(days_ago, working=action != "sweep")
            if action == "propose":
                cops.propose_cop(uow, slug=slug, name=name, now=now, policy=policy, place=PLACES[slug])
                for role, who in roster:
                    members.add_member(uow, slug=slug, email=f"{who}@{DOMAIN}", role=role, now=now, policy=policy,
                                      acting=DEMO_ACTING)
                if slug in (channels or {}):
                    from copflow.services.channels import set_channel

                    set_channel(uow, slug=slug, address=(channels or {})[slug], by=DEMO_ACTOR, now=now,
                                settings=load_settings(), handover="move")
            elif action == "advance":
                gates.advance(uow, slug=slug, by=DEMO_ACTOR, now=now, policy=policy)
            elif action == "sweep":  # the daily sweep of that day opens the review
                cop_ids = [i for batch in due_cop_batches(uow, now=now, policy=policy) for i in batch]
                sweep_batch(uow, cop_ids, now=now, policy=policy)
                # A review due on a weekend or a holiday is due on the next working day: the next days' sweeps
                # open it then.
                for _ in range(7):
                    cop_id, stage = _cop_stage(uow, slug)
                    if stage != "active":
                        break
                    now += timedelta(days=1)
                    sweep_batch(uow, [cop_id], now=now, policy=policy)
            elif action == "import_people":
                from copflow.demo.review_data import import_members

                if imports is None:
                    with tempfile.TemporaryDirectory() as scratch:
                        import_members(Path(scratch), url, today, now, policy)
                else:
                    import_members(imports, url, today, now, policy)
            elif action == "leave":
                end_membership(uow, slug=slug, email=f"{raw['who']}@{DOMAIN}", now=now, policy=policy,
                               acting=DEMO_ACTING)
            elif action == "decide":
                decide_review(uow, slug=slug, decision=raw["decision"], decided_by=DEMO_ACTOR, reason=raw["reason"],
                              now=now, policy=policy, closing_date=today - timedelta(days=raw["closing_date"]))
            else:
                gate = action.split(":", 1)[1]
                gates.record_evidence(uow, slug=slug, gate=gate, payload=_dated(raw, today, days), by=DEMO_ACTOR,
                                      now=now, policy=policy)
            if deliver is not None:
                deliver(now)


def _cop_stage(uow: UnitOfWork, slug: str) -> tuple[int, str]:
    with uow:
        cop = get_cop(uow.session, slug)
        return cop.id, cop.stage


def _dated(raw: dict[str, Any], today: date, days: DemoDays) -> dict[str, Any]:
    """Numbers under date fields are days before today (negative: after), moved to a working day: back for a
    day something was held, forward for a review date to come."""
    out: dict[str, Any] = {}
    for k, v in raw.items():
        if k in ("held_on", "formed_on", "published_on") and isinstance(v, int):
            out[k] = days.held(today - timedelta(days=v)).isoformat()
        elif k == "review_dates":
            out[k] = [(days.held(today - timedelta(days=d)) if d > 0 else days.due(today - timedelta(days=d)))
                      .isoformat() for d in v]
        else:
            out[k] = v
    return out


def run_demo(folder: Path) -> None:
    env = prepare(folder)
    settings = load_settings()
    policy = settings.policy()
    now = current_time()  # COPFLOW_NOW rehearses the demo on a chosen day (the tests pin awkward ones)
    today = now.astimezone(policy.zone()).date()
    step(f"creating the database in {folder}")
    upgrade(settings.database_url)
    from copflow.demo.channel import receiver

    with receiver(folder / "channel") as channel:  # Data and Insight's Teams channel, as a local stand-in
        _walk(folder, settings, now, today, policy, env, channel)


def _walk(folder: Path, settings: Settings, now: datetime, today: date, policy: Policy, env: dict[str, str],
          channel: str) -> None:
    step("walking six CoPs through their gates over the past year (Data and Insight with a chat channel)")
    load_portfolio(settings.database_url, today, policy, folder / "imports", channels={"data-insight": channel},
                   deliver=lambda at: deliver_with_settings(settings, now=at))
    from copflow.demo.review_data import write_and_import

    step("importing people, attendance, activities and survey answers")
    imported = write_and_import(folder / "imports", settings.database_url, today, now, policy, DEMO_ACTOR)
    from copflow.demo.plans import give_plan

    step("giving Data and Insight an action plan; its next check-in and sponsor catch-up are diarised")
    checkin = give_plan(settings.database_url, now, policy, DEMO_ACTOR)
    from copflow.demo.rsvp import answer_invitations

    step("its people answer the invitations: two accept the check-in, its lead and the sponsor decline")
    answer_invitations(settings.database_url, now)
    # Stage-change notices from the walk-through go out first, as they would have on the day.
    step("delivering the mail of the walk-through")
    deliver_with_settings(settings, now=now)
    from copflow.demo.replies import reply_as_people
    from copflow.services.inbox.read import read_with_settings

    step("reading the programme's mailbox: Isla Murray's address bounces, Facilities Management's lessons come back")
    reply_as_people(settings.database_url, settings.inbox_maildir or folder / "inbox", now)
    read_with_settings(settings, now=now)
    step("running today's daily sweep as a Prefect flow")

    from copflow.runs import embedded_runs, prefect_env_defaults

    prefect_env_defaults()
    from flows.daily_sweep import daily_sweep
    from flows.portfolio_report import portfolio_report

    with embedded_runs():
        summary = daily_sweep(now=now)
        portfolio_report()  # the full portfolio artifact, as the weekly deployment publishes it
    _report(folder, env, summary, now, policy, imported, checkin)


def _report(folder: Path, env: dict[str, str], summary: dict[str, Any], now: datetime, policy: Policy,
            imported: list[Path], checkin: datetime) -> None:
    from copflow.services.portfolio import portfolio
    from copflow.terminal import table

    box = mailbox.Maildir(env["COPFLOW_MAILDIR"], create=False)
    mails = len(box)
    # An invitation is a mail with a text/calendar part (a report or a draft attached is not one).
    invites = sum(1 for m in box if any(p.get_content_type() == "text/calendar" for p in m.walk()))
    print()
    print(f"Sweep: {plural(summary['reviews_opened'], 'review')} opened; "
          f"{reminders_words(summary['notices_queued'], summary['escalations_queued'])}; "
          f"{plural(len(summary['closed']), 'CoP')} archived and "
          f"closed; {plural(summary['sent'], 'mail')} sent; "
          f"{'one digest' if summary.get('digest') else 'no digest'} for the OD manager")
    print(f"Meetings:  {plural(summary['agendas_queued'], 'check-in agenda')} and "
          f"{plural(summary['briefs_queued'], 'sponsor brief')} sent (one per attendee); Data and Insight's "
          f"check-in on {long_date(checkin)} has its action plan on the agenda "
          f"(`{copflow(folder, 'action', 'list', 'data-insight')}`)")
    print(f"Database:  {folder / 'copflow.db'}")
    print(f"Maildir:   {env['COPFLOW_MAILDIR']}  ({mails} messages, {invites} of them calendar invitations;"
          f" open it with `mutt -f {quote(env['COPFLOW_MAILDIR'])}` or any Maildir client)")
    posts = sorted((folder / "channel").glob("*.md"))
    print(f"Channel:   {folder / 'channel'}  ({plural(len(posts), 'post')} Data and Insight's chat channel received,"
          " one Markdown file each: what its Teams or Slack channel would have shown; docs/chat.md)")
    print(f"Prefect:   run records in {env['PREFECT_HOME']}/prefect.db; to browse them: "
          f"`PREFECT_HOME={quote(env['PREFECT_HOME'])} uv run prefect server start`")
    for slug in summary.get("closed", []):
        from notifications.archive import verify_archive

        path = Path(env["COPFLOW_ARCHIVE_DIR"]).glob(f"{slug}-*.zip")
        for archive in path:
            v = verify_archive(archive)
            print(f"Archive:   {archive}  ({slug} closed; {v.files} files, "
                  f"{'verified' if v.ok else 'NOT verified'}; check with "
                  f"`uv run copflow archive verify {quote(str(archive))}`)")
    print(f"Imported:  {', '.join(str(p) for p in imported)}")
    for slug in summary.get("evaluated", []):
        name = slug.split(" ")[0]
        for html in sorted((Path(env["COPFLOW_REPORTS_DIR"]) / name).glob("review-*.html")):
            # As the demo's OD manager (its settings.env names them): the story's review passes.
            decide = copflow(folder, "review", "decide", name, "--decision", "pass", "--reason",
                             "The evaluation shows the charter's aims met and members who value the community")
            print(f"Report:    {html}  (review of {slug}; also as .md and .pdf; decide with `{decide}`)")
    print(f"Try:       `{copflow(folder, 'cop', 'show', 'data-insight')}`")
    web_hint(folder, env, now, policy)
    print()
    rows = portfolio(UnitOfWork(env["COPFLOW_DATABASE_URL"]), now=now, policy=policy)
    table(f"Portfolio ({plural(len(rows), 'CoP')})", ["CoP", "stage", "next gate", "due", "overdue", "next review",
                                            "health"],
          [[r.slug, stage_words(r.stage), r.next_gate, r.due_on, r.overdue_days or "", r.next_review_on, r.health]
           for r in rows])
