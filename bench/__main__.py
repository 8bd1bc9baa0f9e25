"""`uv run python -m bench [--quick] [--only sweep|cli|web|web-post|report-pdfs|mailbox] [--postgres URL|--no-postgres]
[--out FILE]`: every benchmark, one table; `--only` runs one part and replaces only its rows in --out. Each
row says when it was measured ("when"), so a file with parts of different runs says which is which."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.results_file import write as _write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that everything runs")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="admin URL of a PostgreSQL server to benchmark on too")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"), help="where to write the JSON")
    parser.add_argument("--only", choices=["sweep", "cli", "web", "web-post", "report-pdfs", "mailbox"],
                        help="only the daily sweep (10k and 100k CoPs, SQLite and PostgreSQL; about 15 minutes), the "
                             "CLI latency (a minute), the web pages (two minutes, SQLite and PostgreSQL), the "
                             "evidence POST with 1,000 mails pending against none (a few minutes), the "
                             "evaluation reports' PDFs (300 due reviews on PostgreSQL) or the mailbox read from "
                             "Dovecot (a minute); their rows replace those of the last run in --out, the others are "
                             "kept")
    args = parser.parse_args(argv)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from bench.others import bench_cli, bench_delivery, bench_invitations

    if args.only == "cli":
        with tempfile.TemporaryDirectory(prefix="copflow-bench-") as tmp:
            return _write(args, bench_cli(Path(tmp), 1 if args.quick else 9), replace_prefix="CLI: ")
    if args.only == "web":
        return _write(args, _web_only(args), replace_prefix="web: ")
    if args.only == "web-post":
        with tempfile.TemporaryDirectory(prefix="copflow-bench-post-") as tmp:
            os.environ["COPFLOW_HOME"] = tmp
            return _write(args, _web_post(args, Path(tmp)), replace_prefix="web: evidence POST")
    if args.only == "report-pdfs":
        if args.no_postgres:
            print("python -m bench: --only report-pdfs runs on PostgreSQL; not with --no-postgres", file=sys.stderr)
            return 2
        from bench.report_pdfs import PREFIX, bench_report_pdfs

        return _write(args, bench_report_pdfs(args.postgres, *_pdf_sizes(args)), replace_prefix=PREFIX)
    if args.only == "mailbox":
        from bench.mailbox_read import bench_mailbox

        with tempfile.TemporaryDirectory(prefix="copflow-bench-") as tmp:
            os.environ["COPFLOW_HOME"] = tmp
            return _write(args, [bench_mailbox(Path(tmp), 30 if args.quick else 600)], replace_prefix="mailbox: ")
    if args.quick:
        mails, invites, cli_runs = 100, 50, 1
    else:
        mails, invites, cli_runs = 5000, 1000, 9
    with tempfile.TemporaryDirectory(prefix="copflow-bench-") as tmp:
        work = Path(tmp)
        os.environ["COPFLOW_HOME"] = str(work / "home")
        rows = _sweep_part(args, work)
        if args.only == "sweep":
            if not args.no_postgres:
                _drop_bench_databases(args.postgres)
            return _write(args, rows, replace_prefix="sweep ")
        rows.append(bench_delivery(work, mails, rounds=1 if args.quick else 3))
        rows.append(bench_invitations(invites))
        rows += bench_cli(work, cli_runs)
        from bench.web import bench_web, postgres_database

        web_backends = {"SQLite": f"sqlite:///{work / 'web.db'}"}
        if not args.no_postgres:
            web_backends["PostgreSQL"] = postgres_database(args.postgres, f"bench_web_{os.getpid()}")
        rows += bench_web(web_backends, quick=args.quick)
        rows += _web_post(args, work)
        from bench.mailbox_read import bench_mailbox

        (work / "mailbox").mkdir()
        rows.append(bench_mailbox(work / "mailbox", 30 if args.quick else 600))
        if not args.no_postgres:
            from bench.mail_scale import bench_mail_scale

            # Two deliverers through a throttled relay: the rate is one this machine keeps up with when shared.
            rows.append(bench_mail_scale(args.postgres, 300 if args.quick else 20_000, 2400))
            from bench.report_pdfs import bench_report_pdfs

            rows += bench_report_pdfs(args.postgres, *_pdf_sizes(args))
            _drop_bench_databases(args.postgres)
    return _write(args, rows)


def _pdf_sizes(args: argparse.Namespace) -> tuple[int, int]:
    """The report-PDF part's due reviews and rounds (bench/report_pdfs.py)."""
    return (10, 3) if args.quick else (300, 15)


def _sweep_part(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    """The daily sweep at 10k and 100k CoPs (the same number due), flow against services, on each database."""
    from bench.run import _postgres_pair, _sqlite_pair, bench_sweep

    if args.quick:
        sizes = {"10k": {"cops": 200, "members_per_cop": 5, "due": 20},
                 "100k": {"cops": 2000, "members_per_cop": 2, "due": 20}}
    else:
        sizes = {"10k": {"cops": 10_000, "members_per_cop": 50, "due": 500},
                 "100k": {"cops": 100_000, "members_per_cop": 5, "due": 500}}
    backends = {"SQLite": lambda name, **size: _sqlite_pair(work, name, **size)}
    if not args.no_postgres:
        backends["PostgreSQL"] = lambda name, **size: _postgres_pair(args.postgres, f"{name}_{os.getpid()}", **size)
    # A first flow run starts Prefect's temporary API server, and a first sweep warms Prefect's task-run
    # machinery and copflow's lazy imports (templates, mail): keep both out of every figure, as a deployment's
    # worker would have them warm from its previous runs.
    from bench.child import warm
    from copflow.db.migrate import upgrade
    from flows.daily_sweep import daily_sweep
    from flows.portfolio_report import portfolio_report

    os.environ["COPFLOW_DATABASE_URL"] = f"sqlite:///{work / 'warm.db'}"
    upgrade(os.environ["COPFLOW_DATABASE_URL"])
    portfolio_report()
    daily_sweep()
    warm()  # the templates (nothing was due in the warm-up sweep); the services' process does the same
    return bench_sweep(sizes, backends, work)


def _web_only(args: argparse.Namespace) -> list[dict[str, Any]]:
    from bench.web import _drop, bench_web, postgres_database

    name = f"bench_web_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="copflow-bench-web-") as tmp:
        os.environ["COPFLOW_HOME"] = tmp
        backends = {"SQLite": f"sqlite:///{tmp}/web.db"}
        if not args.no_postgres:
            backends["PostgreSQL"] = postgres_database(args.postgres, name)
        try:
            return bench_web(backends, quick=args.quick)
        finally:
            if not args.no_postgres:
                _drop(args.postgres, name)


def _web_post(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    """The evidence POST with 1,000 other mails pending against none (bench/web_post.py), each on two databases."""
    from bench.web import _drop, postgres_database
    from bench.web_post import bench_evidence_post

    # Not "bench_…": a full bench run elsewhere on the server drops every database of that name when it ends.
    names = [f"webpost_{case}_{os.getpid()}" for case in ("none", "pending")]
    backends = {"SQLite": (f"sqlite:///{work}/post-none.db", f"sqlite:///{work}/post-pending.db")}
    if not args.no_postgres:
        none, pending = (postgres_database(args.postgres, name) for name in names)
        backends["PostgreSQL"] = (none, pending)
    try:
        return bench_evidence_post(backends, quick=args.quick)
    finally:
        if not args.no_postgres:
            for name in names:
                _drop(args.postgres, name)


def _drop_bench_databases(admin_url: str) -> None:
    import psycopg

    from copflow.db.engine import dispose_all

    dispose_all()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        names = [r[0] for r in admin.execute("select datname from pg_database where datname like 'bench\\_%'")]
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    raise SystemExit(main())
