"""Fixtures of the CLI tests: a COPFLOW_HOME of the test's own, and a seeded database built through the CLI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli.test_cli import NOW, cf


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPFLOW_")}
    env.update({"COPFLOW_HOME": str(tmp_path), "COPFLOW_NOW": NOW, "COPFLOW_USER": "od@uni.example.org"})
    return env


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once through the CLI itself; each test gets a copy of the database file."""
    folder = tmp_path_factory.mktemp("seeded")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPFLOW_")}
    env.update({"COPFLOW_HOME": str(folder), "COPFLOW_NOW": NOW, "COPFLOW_USER": "od@uni.example.org"})
    cf(env, "db", "upgrade")
    for who, dept in (("ann", "Library"), ("bob", "Estates"), ("dir", "Research")):
        cf(env, "person", "add", f"{who}@uni.example.org", "--name", who.title(), "--department", dept)
    cf(env, "cop", "create", "data-insight", "--name", "Data and Insight")
    for who, role in (("ann", "coordinator"), ("bob", "lead"), ("dir", "sponsor")):
        cf(env, "member", "add", "data-insight", f"{who}@uni.example.org", "--role", role)
    return folder / "copflow.db"


@pytest.fixture
def seeded(home: dict[str, str], seeded_template: Path) -> dict[str, str]:
    import shutil

    shutil.copy(seeded_template, Path(home["COPFLOW_HOME"]) / "copflow.db")
    return home
