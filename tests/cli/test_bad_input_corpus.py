"""The bad-input corpus (tests/corpus/bad_input.json) driven through the CLI's own entry point.

Each case: one line on stderr naming what is wrong, a non-zero exit, and no row written anywhere.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
from sqlalchemy import update

from copflow.db.engine import dispose_all
from copflow.db.models import Cop
from copflow.db.uow import UnitOfWork
from tests.acting import OD
from tests.bombs import make
from tests.integration.helpers import proposed, record, to_launching, to_planning

CORPUS = json.loads((Path(__file__).resolve().parents[1] / "corpus" / "bad_input.json").read_text(encoding="utf-8"))
CASES = CORPUS["cases"]
NOW = "2026-03-02T09:00:00+00:00"
TABLES = ("cop", "person", "membership", "gate_evidence", "charter", "transition", "meeting_series", "notification",
          "document", "activity", "attendance", "survey_answer", "erasure", "actions", "action_events", "cop_channel")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CoPs in every stage the cases need, built with the real services."""
    from copflow.db.migrate import upgrade
    from tests.integration.test_closure import under_review

    path = tmp_path_factory.mktemp("corpus") / "copflow.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    proposed(url, "data-insight")
    to_planning(url, "planning-cop", with_staff=False)
    to_planning(url, "chartering-cop", with_staff=False)  # its charter is the gate open
    record(url, "chartering-cop", "sponsor_meeting_done", 30, held_on="2025-02-04", sponsor_attended="yes",
           notes="scope agreed")
    to_launching(url, "launching-cop", with_staff=False)
    under_review(url, "reviewing-cop", with_staff=False)
    to_planning(url, "closed-cop", with_staff=False)
    _solo(url)
    with UnitOfWork(url) as u:
        u.session.execute(update(Cop).where(Cop.slug == "closed-cop").values(stage="closed"))
        u.commit()
    dispose_all()
    return path


def _solo(url: str) -> None:
    """A CoP whose only coordinator is Sol: erasing Sol is refused."""
    from copflow.services import cops
    from copflow.services.people import members
    from tests.integration.helpers import P, at

    u = UnitOfWork(url)
    members.add_person(u, email="sol@uni.example.org", name="Sol Vega", now=at(0))
    cops.propose_cop(u, slug="solo-cop", name="Solo", now=at(0), policy=P)
    members.add_member(u, slug="solo-cop", email="sol@uni.example.org", role="coordinator", now=at(0), policy=P, acting=OD)


def counts(db: Path) -> dict[str, int]:
    con = sqlite3.connect(db)
    try:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()


def test_the_corpus_is_large_and_varied():
    assert len(CASES) >= 100
    assert len({c["args"][0] for c in CASES}) >= 10


@pytest.mark.parametrize("case", CASES, ids=[f"{i:03d}-{' '.join(c['args'][:2])}" for i, c in enumerate(CASES)])
def test_bad_input(case, template, tmp_path, monkeypatch, capsys):
    from copflow.cli import context
    from copflow.cli.main import run

    home = tmp_path / "home"
    home.mkdir()
    db = home / "copflow.db"
    shutil.copy(template, db)
    for name, content in case.get("files", {}).items():
        target = tmp_path / name
        if isinstance(content, str):
            target.write_text(content, encoding="utf-8")
        elif "hex" in content:
            target.write_bytes(bytes.fromhex(content["hex"]))
        elif {"xlsx", "docx", "repeat"} & set(content):
            make(target, content)  # a bomb: small on disk, huge unpacked (tests/bombs.py)
        else:
            target.write_text("x" * content["size"], encoding="utf-8")
    env = {"COPFLOW_HOME": str(home), "COPFLOW_NOW": NOW, "COPFLOW_USER": "odm@uni.example.org", **case.get("env", {})}
    for key, value in env.items():
        monkeypatch.setenv(key, value.replace("{tmp}", str(tmp_path)))
    context.settings.cache_clear()
    context.policy.cache_clear()
    before = counts(db)
    args = [a.replace("{tmp}", str(tmp_path)) for a in case["args"]]
    monkeypatch.setattr(sys, "argv", ["copflow", *args])
    with pytest.raises(SystemExit) as exit_info:
        run()
    dispose_all()
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert exit_info.value.code == case["exit"], err
    assert "Traceback" not in err
    # Every mistake, click's own usage errors included, is one line.
    assert len(lines) == 1 and lines[0].startswith("copflow: error: "), err
    assert case["error"] in err, err
    assert counts(db) == before
