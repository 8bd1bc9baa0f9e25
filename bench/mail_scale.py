"""20,000 queued messages, two deliverer processes, one throttled loopback relay (the fault server with a rate
limit that answers "451 4.7.500 Server busy" to a sender going too fast): zero duplicates, zero lost, and the wall
time beside the throttle's ideal (messages ÷ rate).

`uv run python -m bench.mail_scale [--messages N] [--per-minute R] [--out bench/results.json]` runs it alone and
puts its row into the results file (replacing an earlier one); `python -m bench` runs it with the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
NAME = "throttled relay"


def _queue(url: str, count: int) -> None:
    """The outbox as a review season leaves it: one rendered message per recipient, each with its own key."""
    from sqlalchemy import insert

    from copflow.db.models import Notification
    from copflow.db.uow import UnitOfWork
    from copflow.services.mail.outbox import Recipient, enqueue

    context = {"cop": {"slug": "x", "name": "Data and Insight", "stage": "planning", "timezone": "UTC"},
               "from_stage": "forming", "to_stage": "planning", "next_gate": None, "next_due_on": None}
    with UnitOfWork(url) as u:
        enqueue(u.session, key="season/0", cop_id=None, kind="stage_changed", to=Recipient("p0@x.org", "P 0", "lead"),
                context=context, now=NOW)
        u.session.flush()
        one = u.session.get(Notification, 1)
        assert one is not None
        fields = {c: getattr(one, c) for c in ("kind", "subject", "body_text", "body_html", "status", "attempts",
                                                "next_attempt_at", "created_at")}
        u.session.execute(insert(Notification), [
            {**fields, "idempotency_key": f"season/{i}", "recipient": f"p{i}@x.org", "recipient_name": f"P {i}"}
            for i in range(1, count)])
        u.commit()


def bench_mail_scale(admin_url: str, count: int, per_minute: int, workers: int = 2) -> dict[str, Any]:
    import psycopg

    from copflow.db.engine import dispose_all
    from copflow.db.migrate import upgrade
    from tests.smtp_faults import FaultyServer

    db = f"bench_mail_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{db}"')
    url = f"{admin_url.rsplit('/', 1)[0]}/{db}"
    try:
        upgrade(url)
        _queue(url, count)
        dispose_all()
        server = FaultyServer()
        server.faults.rate_per_minute = per_minute
        server.faults.burst = max(per_minute / 30, 5)  # two seconds' worth: relays count per rolling minute
        server.up()
        try:
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            t = time.perf_counter()
            procs = [subprocess.Popen([sys.executable, "-m", "bench.mail_worker", url, str(server.port),
                                       str(per_minute)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
                     for _ in range(workers)]
            reports = [json.loads(p.communicate(timeout=3600)[0]) for p in procs]
            wall = time.perf_counter() - t
        finally:
            server.down()
        f = server.faults
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            statuses: dict[str, int] = dict(conn.execute("select status, count(*) from notification group by status")
                                            .fetchall())
    finally:
        dispose_all()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    ideal = count / (per_minute / 60)
    duplicates = sum(c - 1 for c in f.received.values() if c > 1)
    lost = count - len(f.received)
    ratio = wall / ideal
    sent = [r["sent"] for r in reports]
    ok = duplicates == 0 and lost == 0 and statuses == {"sent": count} and ratio <= 1.10
    return {"benchmark": f"{count} mails, {workers} deliverers, {NAME} at {per_minute}/minute (PostgreSQL)",
            "figure": f"{wall:.1f} s vs ideal {ideal:.1f} s; {duplicates} duplicates, {lost} lost; per deliverer "
                      f"{sent}; relay's busy replies {f.events['451 4.7.500 over the rate']}",
            "ratio": ratio, "target": "≤ 1.10 × ideal, 0 duplicates, 0 lost", "ok": ok,
            "detail": {"wall_seconds": wall, "ideal_seconds": ideal, "duplicates": duplicates, "lost": lost,
                       "statuses": statuses, "sent_per_deliverer": sent,
                       "slow_downs": sum(r["slow_downs"] for r in reports),
                       "relay_busy_replies": f.events["451 4.7.500 over the rate"]}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mail_scale", description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--per-minute", type=int, default=6_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"))
    args = parser.parse_args(argv)
    row = bench_mail_scale(args.postgres, args.messages, args.per_minute)
    print(f"{row['benchmark']}: ratio {row['ratio']:.3f} ({row['target']}) {'ok' if row['ok'] else 'NOT MET'}\n"
          f"  {row['figure']}")
    result = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {"rows": []}
    result["rows"] = [r for r in result["rows"] if NAME not in r["benchmark"]] + [row]
    result[f"{NAME} when"] = datetime.now(UTC).isoformat()
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    return 0 if row["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
