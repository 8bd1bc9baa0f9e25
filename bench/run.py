"""Run every benchmark side by side and report ratios to the limits (`uv run python -m bench`).

Each figure is measured against its baseline in the same run on the same machine, so the ratios mean
something even where absolute times do not.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _sqlite_pair(work: Path, name: str, **size: int) -> tuple[str, str]:
    from bench.generate import populate
    from copflow.db.engine import dispose_all

    a = work / f"{name}-a.db"
    populate(f"sqlite:///{a}", today=TODAY, **size)
    dispose_all()
    shutil.copy(a, work / f"{name}-b.db")
    return f"sqlite:///{a}", f"sqlite:///{work / f'{name}-b.db'}"


def _postgres_pair(admin_url: str, name: str, **size: int) -> tuple[str, str]:
    import psycopg

    from bench.generate import populate
    from copflow.db.engine import dispose_all

    base = admin_url.rsplit("/", 1)[0]
    with psycopg.connect(admin_url, autocommit=True) as admin:
        for db in (f"bench_{name}_a", f"bench_{name}_b"):
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "bench_{name}_a"')
    populate(f"{base}/bench_{name}_a", today=TODAY, **size)
    dispose_all()
    # The planner's statistics, as autovacuum keeps them on a server that has been running: without them (a
    # database just filled) PostgreSQL guessed each roster at thousands of rows and hashed the whole person
    # table for every CoP's agenda, and the figures hung on whether autovacuum had come round yet.
    with psycopg.connect(f"{base}/bench_{name}_a", autocommit=True) as filled:
        filled.execute("VACUUM ANALYZE")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "bench_{name}_b" TEMPLATE "bench_{name}_a"')
    return f"{base}/bench_{name}_a", f"{base}/bench_{name}_b"


def _services_sweep(url: str, work: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "bench.child", url, NOW.isoformat(), str(work / "maildir-s")],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _flow_sweep(url: str, work: Path) -> dict[str, Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.daily_sweep import daily_sweep

    os.environ.update({"COPFLOW_DATABASE_URL": url, "COPFLOW_MAILDIR": str(work / "maildir-f")})
    os.environ.pop("COPFLOW_SMTP_HOST", None)
    from copflow.runs import embedded_runs

    with embedded_runs():  # as `copflow sweep` runs it, embedded (no Prefect server)
        t = time.perf_counter()
        state = daily_sweep(now=NOW, return_state=True)
        elapsed = time.perf_counter() - t
    summary = state.result()
    assert state.state_details.flow_run_id is not None
    with get_client(sync_client=True) as client:
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[state.state_details.flow_run_id])))
    return {"seconds": elapsed, "task_runs": len(tasks), "sent": summary["sent"], "steps": summary["steps"]}


def _slowest(flow: dict[str, Any], services: dict[str, Any]) -> str:
    """The step where the flow spent the most beyond the services (Prefect's share), in words."""
    theirs = {st["step"]: st["seconds"] for st in services["steps"]}
    step = max(flow["steps"], key=lambda st: st["seconds"] - theirs.get(st["step"], 0.0))
    return f"most added in {step['step']}: {step['seconds']:.2f} s vs {theirs.get(step['step'], 0.0):.2f} s"


def bench_sweep(sizes: dict[str, dict[str, int]], backends: dict[str, Any], work: Path) -> list[dict[str, Any]]:
    """The daily-sweep flow against the same steps called as services, on identical copies of each portfolio;
    each row's detail has both runs' timings per step (copflow.services.sweep.steps.SWEEP_STEPS)."""
    os.environ["COPFLOW_OD_MANAGER_EMAIL"] = "od@uni.example.org"  # both runs send the OD manager's digest
    rows = []
    for backend, make_pair in backends.items():
        runs = {}
        for label, size in sizes.items():
            a, b = make_pair(label, **size)
            # Each side starts with nothing left to write back to the disk (the copies just made, the other
            # side's mail): delivery to the Maildir fsyncs every message, and would otherwise wait for those too.
            os.sync()
            services = _services_sweep(a, work)
            os.sync()
            flow = _flow_sweep(b, work)
            assert flow["sent"] == services["sent"], (flow["sent"], services["sent"])  # the same work both ways
            runs[label] = (services, flow)
            rows.append({"benchmark": f"sweep {label} ({backend})", "figure": f"{flow['seconds']:.2f} s flow, "
                         f"{services['seconds']:.2f} s services; {flow['task_runs']} task runs; "
                         f"peak {services['max_rss_mb']:.0f} MB; {_slowest(flow, services)}",
                         "ratio": flow["seconds"] / services["seconds"],
                         "target": "≤ 1.5 × services, ≤ 50 task runs",
                         "ok": flow["seconds"] <= 1.5 * services["seconds"] and flow["task_runs"] <= 50,
                         "detail": {"services": services, "flow": flow, "size": size}})
        (small_s, small_f), (big_s, big_f) = runs["10k"], runs["100k"]
        rows.append({"benchmark": f"sweep 100k vs 10k, same due ({backend})",
                     "figure": f"flow {big_f['seconds']:.2f} s vs {small_f['seconds']:.2f} s; services "
                               f"{big_s['seconds']:.2f} s vs {small_s['seconds']:.2f} s",
                     "ratio": big_f["seconds"] / small_f["seconds"], "target": "≤ 1.3",
                     "ok": big_f["seconds"] <= 1.3 * small_f["seconds"]})
        rows.append({"benchmark": f"sweep peak memory 100k vs 10k ({backend})",
                     "figure": f"{big_s['max_rss_mb']:.0f} MB vs {small_s['max_rss_mb']:.0f} MB",
                     "ratio": big_s["max_rss_mb"] / small_s["max_rss_mb"], "target": "(reported)", "ok": True})
    return rows
