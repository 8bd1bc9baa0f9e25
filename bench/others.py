"""Delivery, invitation composition and CLI latency, each beside its baseline."""

from __future__ import annotations

import smtplib
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def bench_delivery(work: Path, count: int, rounds: int = 3) -> dict[str, Any]:
    """Medians of `rounds` interleaved passes (raw, then copflow, on a fresh copy of the queue each time):
    the SMTP server shares the machine, so single passes wander by ±10%."""
    import shutil

    from copflow.db.engine import dispose_all
    from copflow.db.migrate import upgrade
    from copflow.db.uow import UnitOfWork
    from copflow.services.mail.delivery import deliver
    from copflow.services.mail.outbox import Recipient, enqueue
    from notifications.mime import Outgoing, build
    from notifications.transports import SmtpTransport
    from tests.smtp_server import smtp_server

    template = work / "delivery-template.db"
    url = f"sqlite:///{template}"
    upgrade(url)
    context = {"cop": {"slug": "x", "name": "Data and Insight", "stage": "planning", "timezone": "UTC"},
               "from_stage": "forming", "to_stage": "planning", "next_gate": None, "next_due_on": None}
    with UnitOfWork(url) as u:
        for i in range(count):
            enqueue(u.session, key=f"b/{i}", cop_id=None, kind="stage_changed",
                    to=Recipient(f"p{i}@x.org", f"P {i}", "lead"), context=context, now=NOW)
        u.commit()
        from sqlalchemy import select

        from copflow.db.models import Notification

        # The baseline sends the same messages, already built and in SMTP's CRLF form.
        prebuilt = [(m.envelope_from, m.envelope_to, m.as_bytes().replace(b"\n", b"\r\n")) for m in (
            build(Outgoing(n.idempotency_key, n.recipient, n.recipient_name, n.subject, n.body_text, n.body_html),
                  "b <b@x.org>", NOW) for n in u.session.scalars(select(Notification).order_by(Notification.id)))]
    dispose_all()
    raw_times, our_times = [], []
    with smtp_server() as (controller, handler):
        for r in range(rounds):
            t = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", controller.port) as raw:
                for frm, to, data in prebuilt:
                    raw.sendmail(frm, [to], data)
            raw_times.append(time.perf_counter() - t)
            handler.received.clear()
            copy = work / f"delivery-{r}.db"
            shutil.copy(template, copy)
            t = time.perf_counter()
            report = deliver(UnitOfWork(f"sqlite:///{copy}"), SmtpTransport("127.0.0.1", controller.port),
                             sender="b <b@x.org>", now=NOW + timedelta(seconds=1), batch_size=500)
            our_times.append(time.perf_counter() - t)
            assert report.sent == count == len(handler.received)
            handler.received.clear()
            dispose_all()
    raw_s, ours_s = statistics.median(raw_times), statistics.median(our_times)
    return {"benchmark": f"outbox delivery of {count} mails (SQLite, aiosmtpd; median of {rounds})",
            "figure": f"{count / ours_s:.0f}/s copflow, {count / raw_s:.0f}/s raw smtplib",
            "ratio": raw_s / ours_s, "target": "≥ 0.7 × raw smtplib", "ok": raw_s / ours_s >= 0.7}


def bench_invitations(count: int) -> dict[str, Any]:
    from icalendar import Calendar, Event, vCalAddress

    from notifications.ics import Meeting, Party, calendar_text
    from notifications.mime import Outgoing, build
    from notifications.vtimezone import vtimezone

    attendees = tuple(Party(f"p{i}@x.org", f"P {i}") for i in range(6))
    meetings = [Meeting(uid=f"m{i}@copflow", sequence=0, summary="Core group check-in", description="Monthly",
                        tzid="Europe/London", start=datetime(2026, 3, 3, 12, 30), minutes=45,
                        organizer=Party("o@x.org", "O", "CHAIR"), attendees=attendees,
                        rrule={"FREQ": "MONTHLY", "INTERVAL": 1}) for i in range(count)]
    vtz = vtimezone("Europe/London", 2025)
    t = time.perf_counter()
    for m in meetings:
        cal = Calendar()
        cal.add("PRODID", "-//x//x//EN")
        cal.add("VERSION", "2.0")
        cal.add("METHOD", "REQUEST")
        cal.add_component(vtz)
        ev = Event()
        for key, value in (("UID", m.uid), ("DTSTAMP", NOW), ("SEQUENCE", 0), ("SUMMARY", m.summary),
                           ("DESCRIPTION", m.description), ("DTSTART", m.start.replace(tzinfo=None)),
                           ("DTEND", m.start + timedelta(minutes=45)), ("RRULE", m.rrule)):
            ev.add(key, value)
        ev.add("ORGANIZER", vCalAddress("mailto:o@x.org"))
        for p in attendees:
            ev.add("ATTENDEE", vCalAddress(f"mailto:{p.email}"))
        cal.add_component(ev)
        cal.to_ical()
    raw_s = time.perf_counter() - t
    t = time.perf_counter()
    for m in meetings:
        text = calendar_text(m, method="REQUEST", dtstamp=NOW)
        build(Outgoing(m.uid, "p0@x.org", "P 0", "Invite", "text", "<p>html</p>", text, "REQUEST"),
              "b <b@x.org>", NOW).as_bytes()
    ours_s = time.perf_counter() - t
    return {"benchmark": f"{count} invitations (ICS + MIME)", "figure": f"{count / ours_s:.0f}/s copflow, "
            f"{count / raw_s:.0f}/s raw icalendar", "ratio": raw_s / ours_s, "target": "≥ 0.5 × raw icalendar",
            "ok": raw_s / ours_s >= 0.5}


def bench_cli(work: Path, runs: int) -> list[dict[str, Any]]:
    """Medians of `runs` rounds; each round runs `import prefect` and both commands back to back, so a busy
    spell on the machine weighs on all three alike."""
    import os

    exe = str(Path(sys.executable).with_name("copflow"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPFLOW_", "PREFECT_API"))}
    env.update({"COPFLOW_HOME": str(work / "cli"), "COPFLOW_NOW": NOW.isoformat(), "COPFLOW_USER": "b@x.org"})
    for args in (["db", "upgrade"], ["cop", "create", "bench-cop", "--name", "Bench"]):
        subprocess.run([exe, *args], env=env, check=True, capture_output=True)
    commands = {"import prefect": [sys.executable, "-c", "import prefect"],
                "copflow status": [exe, "status"],
                "copflow gate record": [exe, "gate", "record", "bench-cop", "core_group_formed", "-f", "domain=bench"]}
    times: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, cmd in commands.items():
            t = time.perf_counter()
            subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, check=True)
            times[label].append(time.perf_counter() - t)
    prefect = statistics.median(times.pop("import prefect"))
    rows = []
    for label, samples in times.items():
        s = statistics.median(samples)
        rows.append({"benchmark": f"CLI: {label}", "figure": f"{s * 1000:.0f} ms vs import prefect "
                     f"{prefect * 1000:.0f} ms (medians of {runs})", "ratio": s / prefect,
                     "target": "≤ 0.45 × import prefect", "ok": s / prefect <= 0.45})
    return rows
