"""Server mode, for real: a Prefect server on 127.0.0.1 backed by PostgreSQL, `prefect deploy --all`, a
process worker, and copflow's own database on PostgreSQL too.

A gate recorded with the CLI emits `copflow.stage.entered`; the event-triggered deployment runs on the worker
and the invitations arrive at the test SMTP server. Then the sweep opens a review, the triggered review flow
pauses, and a typed decision resumes it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.test_report_browser import run_chromium
from tests.integration import helpers as h
from tests.smtp_server import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def wait_for(what: str, check: Callable[[], object], timeout: float = 180.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def prefect_database() -> Iterator[str]:
    """A throw-away PostgreSQL database for the Prefect server itself."""
    import uuid

    import psycopg

    from tests.conftest import ADMIN_URL

    name = f"prefect_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+asyncpg://{ADMIN_URL.split('://', 1)[1].rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(tmp_path: Path, port: int, smtp_port: int, database_url: str, prefect_database: str) -> dict[str, str]:
    """A Prefect server on 127.0.0.1:`port` (its own PostgreSQL database) and copflow's settings for it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPFLOW_", "PREFECT_"))}
    env.update({
        "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api", "PREFECT_WORKER_QUERY_SECONDS": "2",
        "COPFLOW_CODE_DIR": str(ROOT), "COPFLOW_HOME": str(tmp_path / "home"),
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": prefect_database,
        "COPFLOW_DATABASE_URL": database_url,
        "COPFLOW_SMTP_HOST": "127.0.0.1", "COPFLOW_SMTP_PORT": str(smtp_port),
        "COPFLOW_USER": f"odm@{h.D}",
    })
    return env


@contextmanager
def prefect_server(tmp_path: Path, env: dict[str, str], *, worker: bool) -> Iterator[dict[str, str]]:
    """`prefect server start` (and, with `worker`, `prefect deploy --all` and a process worker) until the end."""
    port = env["PREFECT_API_URL"].rsplit(":", 1)[1].split("/")[0]
    procs: list[subprocess.Popen[bytes]] = []

    def start(*args: str, log: str) -> None:
        out = open(tmp_path / log, "wb")  # noqa: SIM115 - closed with the process
        procs.append(subprocess.Popen([str(BIN / "prefect"), *args], cwd=ROOT, env=env, stdout=out,
                                      stderr=subprocess.STDOUT, start_new_session=True))

    start("server", "start", "--host", "127.0.0.1", "--port", port, log="server.log")
    try:
        wait_for("the Prefect server", lambda: _healthy(env["PREFECT_API_URL"]))
        if worker:
            for args in (["work-pool", "create", "copflow", "--type", "process"], ["--no-prompt", "deploy", "--all"]):
                r = subprocess.run([str(BIN / "prefect"), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                                   timeout=300)
                assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
            start("worker", "start", "--pool", "copflow", log="worker.log")
        yield env
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


@pytest.fixture
def server(tmp_path: Path, smtp, postgres_url: str, prefect_database: str) -> Iterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    from tests.conftest import _truncate

    _truncate(postgres_url)
    env = server_env(tmp_path, free_port(), smtp.port, postgres_url, prefect_database)
    with prefect_server(tmp_path, env, worker=True):
        yield env


def _healthy(api: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


# The Prefect client runs in a process of its own with the server's settings: Prefect keeps the settings it
# first sees for the life of a process, and this pytest process must go on with its own (the flow tests'
# harness), not with a server and a database that are gone after this test.
CLIENT = """
import json, sys
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateName
from prefect.flow_runs import resume_flow_run

if sys.argv[1] == "paused":
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(name=FlowRunFilterStateName(any_=["Paused"]))))
    print(json.dumps([{"id": str(r.id), "parameters": r.parameters} for r in runs]))
elif sys.argv[1] in ("artifact", "artifact-id"):
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort
    with get_client(sync_client=True) as client:
        [latest] = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[sys.argv[2]])),
                                         sort=ArtifactSort.CREATED_DESC, limit=1)
    print(json.dumps(latest.data if sys.argv[1] == "artifact" else str(latest.id)))
else:
    resume_flow_run(sys.argv[2], run_input=json.loads(sys.argv[3]))
"""


def prefect_client(env: dict[str, str], *args: str) -> object:
    r = subprocess.run([sys.executable, "-c", CLIENT, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1]) if args[0] in ("paused", "artifact", "artifact-id") else None


def copflow(env: dict[str, str], *args: str, now: str) -> str:
    r = subprocess.run([str(BIN / "copflow"), *args], cwd=ROOT, env={**env, "COPFLOW_NOW": now},
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.mark.slow
@pytest.mark.postgres
def test_gate_event_runs_the_deployment_and_a_paused_review_takes_a_typed_decision(server, smtp):
    env = server
    url = env["COPFLOW_DATABASE_URL"]
    h.to_launching(url)
    h.record(url, "data-insight", "launch_held", 90, held_on="2025-04-04", attendance="42", feedback="keen")

    out = copflow(env, "advance", "data-insight", now="2025-04-06T09:00:00+00:00")
    assert "launching → active" in out
    # No mail was sent by the CLI itself: the event-triggered deployment on the worker delivers it.
    wait_for("the invitations", lambda: any("Core group check-in" in (m.message["Subject"] or "")
                                             for m in smtp.received))
    assert any(m.message.get_content_type() == "multipart/mixed" for m in smtp.received)

    copflow(env, "sweep", now="2026-03-02T09:00:00+00:00")  # the review date: the sweep opens the review
    # Its summary links to the server's current (V2) UI (derived by Prefect from PREFECT_API_URL), absolute.
    summary = prefect_client(env, "artifact", "copflow-sweep")
    ui = env["PREFECT_API_URL"].removesuffix("/api")
    assert f"[what needs attention now]({ui}/v2/artifacts/key/copflow-attention)" in str(summary), summary
    # What the OD manager sees at a laptop's width in the current UI: six human headers, no raw field names (the
    # portfolio table, published by the worker after the gate; the attention list is empty on this day).
    page = f"{ui}/v2/artifacts/artifact/{prefect_client(env, 'artifact-id', 'copflow-portfolio')}"
    seen = run_chromium("--virtual-time-budget=20000", "--window-size=1440,900", "--dump-dom", page).stdout
    assert all(f">{header}<" in seen for header in ("CoP", "Stage", "Next step", "Due", "Status", "Next review")), \
        seen[-3000:]
    assert "overdue_days" not in seen and "next_gate" not in seen and "Data and Insight" in seen
    run_chromium("--virtual-time-budget=20000", "--window-size=1440,900",
                 f"--screenshot={Path(env['PREFECT_HOME']).parent / 'portfolio-1440.png'}", page)

    [run] = wait_for("the review flow to pause", lambda: prefect_client(env, "paused"))  # type: ignore[misc]
    assert run["parameters"] == {"slug": "data-insight"}
    prefect_client(env, "resume", run["id"],
                   json.dumps({"decision": "pass", "decided_by": f"odm@{h.D}", "reason": "targets met, as the review found"}))

    def decided():  # type: ignore[no-untyped-def]
        from sqlalchemy import select

        from copflow.db.models import TransitionRecord
        from copflow.db.uow import UnitOfWork

        with UnitOfWork(url) as u:
            row = u.session.execute(select(TransitionRecord.from_stage, TransitionRecord.to_stage, TransitionRecord.by,
                                           TransitionRecord.reason)
                                    .where(TransitionRecord.from_stage == "reviewing")).first()
            return tuple(row) if row else None

    # The CoP has no activities or survey: the evaluation made with the decision advised otherwise, on record.
    assert wait_for("the decision", decided) == ("reviewing", "active", f"odm@{h.D}",
                                                 "targets met, as the review found (the evaluation recommended evolve)")
    print(f"\nserver mode: {len(smtp.received)} mails delivered by event-triggered runs; review resumed")
