"""Every step of the daily sweep selects what is due through an index (ADR-2): the real steps run over a large
portfolio, every statement each sends is captured as the database received it, and its plan (same parameters)
may not read a large table from end to end.

The portfolio is bench/generate.py's, with the same things due as the benchmark's: every step finds something
to do (reminders, agendas and briefs, action reminders, reviews for the digest, mail past retention), so the
queries made per item due run too.

PostgreSQL: `EXPLAIN (FORMAT JSON)` over 30,000 CoPs, not the benchmark's 100,000: about 300,000 rows, built in
under a minute, where a sequential scan of `cop` (about 1,000 pages) already costs the planner many index
probes, so what it picks is what it would pick at 100,000. The tables are ANALYZEd and VACUUMed first, as
autovacuum leaves them on a server that has been running: plans come from the statistics, never forced
(`enable_seqscan` stays on).
SQLite: `EXPLAIN QUERY PLAN` over 3,000 CoPs. Without ANALYZE (copflow never runs it) SQLite's planner chooses by
the indexes and the query alone, not by the table's size, so a small portfolio shows the plans of a large one.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from copflow.db.engine import get_engine
from copflow.services.sweep.steps import SWEEP_STEPS, Step, SweepOutcome, run_sweep
from tests.conftest import ADMIN_URL

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SIZES = {"postgres": {"cops": 30_000, "members_per_cop": 3, "due": 50},
         "sqlite": {"cops": 3_000, "members_per_cop": 3, "due": 50}}
READS = ("SELECT", "UPDATE", "DELETE", "WITH")
# The one read that covers the whole portfolio, on purpose: the attention artifact's count of CoPs per stage,
# counted from the stage index alone (never the table), a few milliseconds at 100,000 CoPs.
WHOLE_BY_DESIGN = {(Step.ATTENTION, "cop", "ix_cop_stage")}
# The organisation's people are not the portfolio: joined to the rosters of the CoPs due, PostgreSQL hashes the
# whole table when that costs less than probing it once per member (a choice by cost, which flips to probing
# as the table grows), so a scan of it is no sign of a step reading more than is due.
NOT_THE_PORTFOLIO = {"person"}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def portfolio(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    from bench.generate import populate
    from copflow.db.engine import dispose_all

    backend = request.param
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('plans') / 'portfolio.db'}"
        populate(url, today=NOW.date(), **SIZES[backend])
        yield backend, url
        dispose_all()
        return
    import psycopg

    name = f"copflow_plans_{uuid.uuid4().hex[:10]}"
    admin_url = ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL unreachable at {ADMIN_URL}: {exc}".splitlines()[0])
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        populate(url, today=NOW.date(), **SIZES[backend])
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        yield backend, url
    finally:
        dispose_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def run_capturing(url: str) -> tuple[SweepOutcome, dict[Step, list[tuple[str, Any]]]]:
    """Run the sweep's real steps (the services, as the benchmark's baseline runs them), keeping every statement
    sent to the database under the step that sent it."""
    from copflow.services.sweep.step_calls import ServiceSteps
    from copflow.settings import load_settings

    sent: dict[Step, list[tuple[str, Any]]] = defaultdict(list)
    current: list[Step] = []
    engine = get_engine(url)

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        sent[current[-1]].append((statement, parameters[0] if many and parameters else parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        outcome = run_sweep(ServiceSteps(load_settings()), NOW, on_step=current.append)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return outcome, sent


def postgres_whole_reads(plan: dict[str, Any], large: set[str]) -> list[tuple[str, str | None, str]]:
    """(table, index, node) for each node reading a large table from end to end: a sequential scan, or a scan of
    one of its indexes with no condition."""
    found = []
    table = plan.get("Relation Name")
    if table in large and (plan["Node Type"] == "Seq Scan" or (
            plan["Node Type"] in ("Index Scan", "Index Only Scan") and "Index Cond" not in plan)):
        found.append((table, plan.get("Index Name"), f"{plan['Node Type']} (filter: {plan.get('Filter', 'none')})"))
    for child in plan.get("Plans", []):
        found += postgres_whole_reads(child, large)
    return found


def sqlite_whole_reads(rows: list[tuple[Any, ...]], large: set[str]) -> list[tuple[str, str | None, str]]:
    """SQLite's "SCAN t" (or "SCAN t USING [COVERING] INDEX i"): every row of t; "SEARCH" reads a range."""
    found = []
    for *_, detail in rows:
        words = detail.split()
        if words[0] == "SCAN" and words[1] in large:
            found.append((words[1], words[-1] if "INDEX" in words else None, detail))
    return found


def plans_reading_whole_tables(backend: str, url: str, sent: dict[Step, list[tuple[str, Any]]],
                               minimum_rows: int) -> list[str]:
    raw = get_engine(url).raw_connection()
    try:
        cursor = raw.cursor()
        if backend == "postgres":
            cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples >= %s", (minimum_rows,))
            large = {name for (name,) in cursor.fetchall()}
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            large = {name for (name,) in cursor.fetchall()
                     if raw.cursor().execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] >= minimum_rows}
        assert {"cop", "membership", "meeting_series", "actions", "notification", "activity"} <= large
        large -= NOT_THE_PORTFOLIO
        problems = []
        for step in SWEEP_STEPS:
            for statement, parameters in sent[step]:
                if not statement.lstrip().upper().startswith(READS):
                    continue  # inserts, savepoints: nothing read
                if backend == "postgres":
                    cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
                    [(doc,)] = cursor.fetchall()
                    reads = postgres_whole_reads((doc if isinstance(doc, list) else json.loads(doc))[0]["Plan"], large)
                else:
                    reads = sqlite_whole_reads(cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall(),
                                               large)
                problems += [f"{step.value}: {node} on {table}\n  {' '.join(statement.split())[:300]}"
                             for table, index, node in reads if (step, table, index) not in WHOLE_BY_DESIGN]
        raw.rollback()
        return problems
    finally:
        raw.close()


@pytest.mark.slow
def test_every_step_reads_what_is_due_through_an_index(portfolio, monkeypatch, tmp_path: Path):
    backend, url = portfolio
    size = SIZES[backend]
    monkeypatch.setenv("COPFLOW_DATABASE_URL", url)
    monkeypatch.setenv("COPFLOW_MAILDIR", str(tmp_path / "maildir"))
    monkeypatch.setenv("COPFLOW_OD_MANAGER_EMAIL", "od@uni.example.org")
    outcome, sent = run_capturing(url)

    # Every step ran, in its order, and found what the portfolio has due for it: its per-item queries ran too.
    assert [s.step for s in outcome.steps] == [s.value for s in SWEEP_STEPS]
    assert outcome.counts.notices_queued == 2 * size["due"] and outcome.attention == size["due"]
    assert outcome.reminded.queued == size["due"] // 5
    assert outcome.briefs.agendas == 4 * (size["due"] // 5) and outcome.briefs.briefs == 3 * (size["due"] // 10)
    assert outcome.digest.queued and len(outcome.digest.no_survey) == 20 and len(outcome.digest.reviews) == 10
    assert outcome.purged.purged == 2 * size["due"] and outcome.delivery.sent > 0
    problems = plans_reading_whole_tables(backend, url, sent, size["cops"] // 3)
    assert not problems, "\n".join(problems)
