"""One database with every web form in it, for the hostile-input tests (issue 28) and the fuzzing harness: a CoP
in each stage that has a lead's form (forming, planning, launching) and one under review with an action plan, and
a signed link for every door — a lead's evidence and CoP-page links, an owner's actions link, the OD manager's
decision link. A `Visitor` is a browser-less client that takes the CSRF token from the page, as a browser would."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
from sqlalchemy import MetaData, Table, func, inspect, select

from copflow.db.engine import get_engine
from copflow.db.uow import UnitOfWork
from copflow.services.actions.plan import add_action
from copflow.services.links import signed as links
from tests.integration.helpers import D, P, at, proposed, record, to_launching, to_planning
from tests.integration.test_closure import under_review
from tests.integration.test_evaluation import EVAL_DAY, evidence

NOW = at(EVAL_DAY)


@dataclass(frozen=True)
class Doors:
    """The signed links of the world, by what they open."""

    cop: str  # ann's CoP page of data-insight (under review: actions, roster, feed)
    launch: str  # ann's evidence link: launch-cop's launch event
    launch_cop: str  # ann's CoP page of launch-cop (its gate form is /gate/launch_held)
    plan_cop: str  # ann's CoP page of plan-cop (its sponsor meeting form)
    charter_cop: str  # ann's CoP page of charter-cop (its sponsor meeting held: the charter form)
    new_cop: str  # ann's CoP page of new-cop (core group form)
    owner: str  # bob's own actions in data-insight
    decision: str  # the OD manager's decision of data-insight's review
    action: int  # bob's open action in data-insight


def build(db_url: str, tmp_path: Path, web_url: str) -> Doors:
    """The world, its links made for `web_url` (the server's address)."""
    under_review(db_url)
    evidence(db_url, tmp_path)
    to_launching(db_url, "launch-cop", with_staff=False)
    to_planning(db_url, "plan-cop", with_staff=False)
    to_planning(db_url, "charter-cop", with_staff=False)
    record(db_url, "charter-cop", "sponsor_meeting_done", 30, held_on="2025-02-04", sponsor_attended="yes",
           notes="scope agreed")
    proposed(db_url, "new-cop", with_staff=False)
    action = add_action(UnitOfWork(db_url), slug="data-insight", title="Draft the first blog post",
                        owner=f"bob@{D}", due_on=date(2026, 6, 2), who=f"ann@{D}", via="cli", now=NOW)

    def link(slug: str, email: str, purpose: str, gate: str | None = None) -> str:
        return links.issue(UnitOfWork(db_url), slug=slug, email=email, purpose=purpose, gate=gate, now=NOW,
                           policy=P, web_url=web_url)

    return Doors(cop=link("data-insight", f"ann@{D}", "cop"),
                 launch=link("launch-cop", f"ann@{D}", "evidence", "launch_held"),
                 launch_cop=link("launch-cop", f"ann@{D}", "cop"), plan_cop=link("plan-cop", f"ann@{D}", "cop"),
                 charter_cop=link("charter-cop", f"ann@{D}", "cop"),
                 new_cop=link("new-cop", f"ann@{D}", "cop"), owner=link("data-insight", f"bob@{D}", "actions"),
                 decision=link("data-insight", f"odm@{D}", "decision"), action=action.id)


class Visitor:
    """A browser-less visitor: GETs a page, keeps its cookie, and posts a form with the page's CSRF token."""

    def __init__(self, **kw: object) -> None:
        self.http = httpx.Client(timeout=60, **kw)  # type: ignore[arg-type]

    def csrf(self, page: str) -> str:
        got = self.http.get(page)
        assert got.status_code == 200, (page, got.status_code, got.text[:300])
        found = re.findall(r'name="csrf" value="([^"]+)"', got.text)
        assert found, got.text[:500]
        return str(found[0])

    def post(self, page: str, url: str, form: dict[str, str], **kw: object) -> httpx.Response:
        return self.http.post(url, data={"csrf": self.csrf(page), **form}, **kw)  # type: ignore[arg-type]


_TABLES: dict[str, list[Table]] = {}


def row_counts(db_url: str) -> dict[str, int]:
    """The number of rows of every table: a refused form must leave all of them as they were. (The tables are
    read from the database once, so a table the models do not know is counted too.)"""
    engine = get_engine(db_url)
    if db_url not in _TABLES:
        meta = MetaData()
        meta.reflect(bind=engine, only=[t for t in inspect(engine).get_table_names() if t != "alembic_version"])
        _TABLES[db_url] = list(meta.sorted_tables)
    with engine.connect() as conn:
        return {t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0) for t in _TABLES[db_url]}


def tracebacks(log: Path) -> list[str]:
    """The exception line of every traceback in a server log; [] when there is none."""
    lines = log.read_text(errors="replace").splitlines()
    out = []
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            j = i + 1
            while j < len(lines) and (lines[j].startswith(" ") or not lines[j]):  # its frames
                j += 1
            out.append(lines[j] if j < len(lines) else line)
    return out
