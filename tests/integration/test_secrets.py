"""No secret — SMTP or database password — appears in errors, output, artifacts' sources or archives."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

SECRET = "Zq9-s3cret-pw"
EXE = str(Path(sys.executable).with_name("copflow"))


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("COPFLOW_")}
    return subprocess.run([EXE, *args], env={**base, **env}, capture_output=True, text=True, timeout=120)


def test_database_password_never_shows(tmp_path):
    from tests.smtp_server import free_port

    env = {"COPFLOW_HOME": str(tmp_path), "COPFLOW_DATABASE_URL": f"postgresql://copflow:{SECRET}@127.0.0.1:{free_port()}/x"}
    for args in (["status"], ["db", "upgrade"], ["db", "current"]):
        r = run(env, *args)
        assert r.returncode == 1 and SECRET not in r.stdout + r.stderr, (args, r.stderr)
        assert r.stderr.startswith("copflow: error: database problem") and r.stderr.count("\n") == 1


def test_smtp_password_never_shows_when_the_server_is_down(tmp_path):
    from tests.smtp_server import free_port

    env = {"COPFLOW_HOME": str(tmp_path), "COPFLOW_SMTP_HOST": "127.0.0.1", "COPFLOW_SMTP_PORT": str(free_port()),
           "COPFLOW_SMTP_USERNAME": "copflow", "COPFLOW_SMTP_PASSWORD": SECRET}
    assert run(env, "db", "upgrade").returncode == 0
    r = run(env, "outbox", "deliver")
    assert r.returncode == 0 and SECRET not in r.stdout + r.stderr


def test_archives_hold_no_secret_and_no_address_when_pseudonymised(db_url, tmp_path, monkeypatch):
    from copflow.db.uow import UnitOfWork
    from copflow.services.archiving import close_cop
    from tests.integration.helpers import D, P, at
    from tests.integration.test_closure import CLOSING_DAY, closing

    monkeypatch.setenv("COPFLOW_SMTP_PASSWORD", SECRET)
    closing(db_url)
    r = close_cop(UnitOfWork(db_url), slug="data-insight", now=at(CLOSING_DAY), policy=P, archive_dir=tmp_path)
    with zipfile.ZipFile(r.path) as zf:
        blob = b"".join(zf.read(n) for n in zf.namelist())
    assert SECRET.encode() not in blob
    for member in ("roster.json", "messages.json"):
        with zipfile.ZipFile(r.path) as zf:
            assert f"cat@{D}".encode() not in zf.read(member)
