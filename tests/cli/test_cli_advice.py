"""The command line's advice holds (issue 29 item 8): the real problem first, COPFLOW_USER from the home folder's
settings.env, and `copflow web` and `copflow sweep` refuse a database that is not there, creating nothing."""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli.test_cli import NOW, cf


def _no_user(env: dict[str, str]) -> dict[str, str]:
    """The shell of someone who set no COPFLOW_USER and whose login name is no address."""
    out = {k: v for k, v in env.items() if k != "COPFLOW_USER"}
    return {**out, "USER": "root", "LOGNAME": "root"}


def test_a_cop_not_under_review_is_refused_as_such_before_any_address_problem(seeded):
    for by in ((), ("--by", "root")):  # no address at all, or one that is not an address
        r = cf(_no_user(seeded), "review", "decide", "data-insight", "--decision", "pass", "--reason",
               "The members' answers and the year's work meet the charter", *by, ok=False)
        assert r.returncode == 1 and r.stdout == ""
        assert r.stderr.splitlines() == ["copflow: error: stage: data-insight is in stage forming, not under review"]


def test_the_address_problem_is_said_when_it_is_the_only_one(seeded):
    r = cf(_no_user(seeded), "review", "decide", "no-such-cop", "--decision", "pass", "--reason", "x", ok=False)
    assert "no CoP 'no-such-cop'" in r.stderr  # a CoP that is not there comes first too
    r = cf(_no_user(seeded), "gate", "record", "data-insight", "core_group_formed", "-f", "domain=x", "-f",
           "formed_on=2026-02-20", ok=False)
    assert "your login name 'root' is not one; set COPFLOW_USER" in r.stderr


def test_copflow_user_in_the_home_folders_settings_names_who_acts(seeded):
    home = Path(seeded["COPFLOW_HOME"])
    (home / "settings.env").write_text("COPFLOW_USER=od@uni.example.org\n", encoding="utf-8")
    cf(_no_user(seeded), "gate", "record", "data-insight", "core_group_formed", "-f", "domain=x", "-f",
       "formed_on=2026-02-20")
    shown = cf(_no_user(seeded), "cop", "show", "data-insight", "--json").stdout
    assert '"recorded_by": "od@uni.example.org"' in shown


def test_web_and_the_sweep_refuse_a_missing_database_and_create_nothing(tmp_path):
    home = tmp_path / "mistyped-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPFLOW_", "PREFECT_"))}
    env.update({"COPFLOW_HOME": str(home), "COPFLOW_NOW": NOW, "COPFLOW_USER": "od@uni.example.org"})
    for args in (("web", "--port", "1"), ("sweep",)):
        r = cf(env, *args, ok=False)
        assert r.returncode == 1, (args, r.stderr)
        assert r.stderr.splitlines() == [f"copflow: error: no copflow database at {home / 'copflow.db'}: run "
                                         "`copflow db upgrade` to create it"], args
        assert not home.exists(), args  # no folder, no empty database, no Prefect home
