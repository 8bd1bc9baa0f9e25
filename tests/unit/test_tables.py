"""The Core tables that `status` and `gate record` use name real columns of the models, with the same types,
and neither command imports the ORM or the models (their start-up weight: docs/benchmarks.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from copflow.db import tables
from copflow.db.models import Base

ROOT = Path(__file__).resolve().parents[2]


def test_every_core_column_is_a_model_column_of_the_same_type():
    for view in (tables.COP, tables.PERSON, tables.MEMBERSHIP, tables.GATE_EVIDENCE, tables.CHARTER):
        table = Base.metadata.tables[view.name]
        for col in view.c:
            assert col.name in table.c, f"{view.name}.{col.name} is not a column of the models"
            assert type(col.type) is type(table.c[col.name].type), f"{view.name}.{col.name}"


def test_status_and_gate_record_import_neither_the_orm_nor_the_models(tmp_path):
    env = {"COPFLOW_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "COPFLOW_USER": "odm@x.org"}
    subprocess.run([sys.executable, "-c", "from copflow.db.migrate import upgrade; "
                    f"upgrade('sqlite:///{tmp_path}/copflow.db')"], check=True, cwd=ROOT, env=env)
    subprocess.run([sys.executable, "-c", "from copflow.cli.main import run; run()", "cop", "create", "x",
                    "--name", "X"], check=True, cwd=ROOT, env=env, capture_output=True)
    for argv, said in ((["status"], "Portfolio (1 CoP)"),
                       (["gate", "record", "x", "core_group_formed", "-f", "domain=Data"], "recorded core_group_formed")):
        code = (f"import sys\nfrom copflow.cli.main import run\nsys.argv = {['copflow', *argv]!r}\n"
                "try:\n    run()\nexcept SystemExit:\n    pass\n"
                "print(sorted(m for m in sys.modules if m in ('sqlalchemy.orm', 'copflow.db.models')))")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                             check=True)
        assert said in out.stdout, out.stderr
        assert out.stdout.strip().splitlines()[-1] == "[]", argv
