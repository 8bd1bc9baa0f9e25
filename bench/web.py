"""copflow web's evidence form and hub against a bare Starlette + Jinja2 page of the same size, under one load
generator in one run: `uv run python -m bench.web [--quick] [--no-postgres]` (also part of `python -m bench`).

Both servers are uvicorn processes with one worker on this machine; the load generator is the same Python client
(keep-alive connections, a fixed number of concurrent workers) for both, interleaved page by page. copflow web
runs with its rate limit set out of reach, so the limiter's bookkeeping is measured but never refuses.
"""

from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server at {url} did not start") from None
            time.sleep(0.1)


@contextmanager
def _server(args: list[str], env: dict[str, str], probe: str) -> Iterator[None]:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(probe, proc)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=15)


# A browser sends back the cookie it was given (copflow's signed CSRF session, taken from the server's first answer
# by `session_headers`); the bare page ignores it.
HEADERS = {"Accept": "text/html"}


def session_headers(base: str, form_page: str) -> dict[str, str]:
    """The headers of a browser that kept the session cookie copflow web gave it with a form (one it did not sign
    is replaced on every such page, which a real browser would not make it do)."""
    with urllib.request.urlopen(base + form_page) as r:
        cookie = r.headers["Set-Cookie"].split(";", 1)[0]
    return {**HEADERS, "Cookie": cookie}


def load(host: str, port: int, path: str, *, seconds: float, workers: int,
         headers: dict[str, str] | None = None) -> dict[str, float]:
    """Requests per second and latency percentiles of GET `path` from `workers` keep-alive connections."""
    latencies: list[list[float]] = [[] for _ in range(workers)]
    errors = [0] * workers
    stop = time.monotonic() + seconds

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers or HEADERS)
            r = conn.getresponse()
            r.read()
            latencies[i].append(time.perf_counter() - t0)
            if r.status != 200:
                errors[i] += 1
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    every = sorted(x for lat in latencies for x in lat)
    if sum(errors):
        raise RuntimeError(f"{sum(errors)} non-200 answers from {path}")
    return {"rps": len(every) / elapsed, "p50_ms": statistics.median(every) * 1000,
            "p99_ms": every[int(len(every) * 0.99) - 1] * 1000, "requests": float(len(every))}


def _portfolio(url: str, cops: int) -> str:
    """`cops` CoPs walked to stage launching; returns a lead's evidence-form path for the first."""
    from copflow.db.migrate import upgrade
    from copflow.db.uow import UnitOfWork
    from copflow.services.links.signed import issue, token_of
    from tests.integration.helpers import D, P, at, to_launching

    upgrade(url)
    for i in range(cops):
        to_launching(url, f"cop-{i:03d}", with_staff=i == 0)
    link = issue(UnitOfWork(url), slug="cop-000", email=f"ann@{D}", purpose="evidence", gate="launch_held",
                 now=at(61), policy=P, web_url="http://bench")
    return f"/e/{token_of(link)}"


def bench_web(backends: dict[str, str], *, quick: bool) -> list[dict[str, Any]]:
    """One row per page and database: copflow's throughput over the bare page's (target ≥ 0.5), and p99s."""
    seconds, workers, cops = (1.0, 4, 5) if quick else (6.0, 8, 30)
    rows: list[dict[str, Any]] = []
    exe = str(Path(sys.executable).with_name("copflow"))
    for backend, url in backends.items():
        form_path = _portfolio(url, cops)
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("COPFLOW_", "PREFECT_API"))}
        env.update({"COPFLOW_DATABASE_URL": url, "COPFLOW_NOW": "2025-03-08T09:00:00+00:00",
                    "COPFLOW_HOME": os.environ.get("COPFLOW_HOME", str(ROOT))})
        with _server([exe, "web", "--port", str(port), "--rate-limit", "1000000000"], env,
                     f"http://127.0.0.1:{port}/static/copflow.css"):
            browser = session_headers(f"http://127.0.0.1:{port}", form_path)
            for name, path in (("evidence form", form_path), ("hub", "/")):
                size = len(urllib.request.urlopen(f"http://127.0.0.1:{port}{path}").read())
                bare_port = _free_port()
                bare_env = {**env, "BARE_SIZE": str(size), "PYTHONPATH": str(ROOT)}
                with _server([sys.executable, "-m", "uvicorn", "bench.bare_web:app", "--port", str(bare_port)],
                             bare_env, f"http://127.0.0.1:{bare_port}/"):
                    bare_size = len(urllib.request.urlopen(f"http://127.0.0.1:{bare_port}/").read())
                    load("127.0.0.1", port, path, seconds=seconds / 3, workers=workers, headers=browser)  # warm both
                    load("127.0.0.1", bare_port, "/", seconds=seconds / 3, workers=workers)
                    ours = load("127.0.0.1", port, path, seconds=seconds, workers=workers, headers=browser)
                    bare = load("127.0.0.1", bare_port, "/", seconds=seconds, workers=workers)
                ratio = ours["rps"] / bare["rps"]
                rows.append({"benchmark": f"web: {name} vs bare Starlette page ({backend})", "ratio": round(ratio, 3),
                             "target": "throughput ratio >= 0.5", "ok": ratio >= 0.5,
                             "figure": f"{ours['rps']:.0f} vs {bare['rps']:.0f} req/s; p99 {ours['p99_ms']:.1f} "
                                       f"vs {bare['p99_ms']:.1f} ms; {size} vs {bare_size} bytes",
                             "detail": {"copflow": ours, "bare": bare, "bytes": size, "bare_bytes": bare_size,
                                        "workers": workers, "seconds": seconds}})
    return rows


def main(argv: list[str] | None = None) -> int:
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(prog="python -m bench.web", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="copflow-bench-web-") as tmp:
        os.environ["COPFLOW_HOME"] = tmp
        backends = {"SQLite": f"sqlite:///{tmp}/web.db"}
        if not args.no_postgres:
            backends["PostgreSQL"] = postgres_database(args.postgres, f"bench_web_{os.getpid()}")
        try:
            rows = bench_web(backends, quick=args.quick)
        finally:
            if not args.no_postgres:
                _drop(args.postgres, f"bench_web_{os.getpid()}")
    for r in rows:
        print(f"{r['benchmark']:55} {r['ratio']:6.2f}  {'ok' if r['ok'] else 'NO'}  {r['figure']}")
    return 0


def postgres_database(admin: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin.rsplit("/", 1)[0] + f"/{name}"


def _drop(admin: str, name: str) -> None:
    import psycopg

    from copflow.db.engine import dispose_all

    dispose_all()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    raise SystemExit(main())
