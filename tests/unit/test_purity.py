"""lifecycle/ imports nothing outside the standard library, and reads no clock."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

LIFECYCLE = Path(__file__).resolve().parents[2] / "lifecycle"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_import_is_stdlib_or_lifecycle():
    files = sorted(LIFECYCLE.glob("*.py"))
    assert len(files) >= 8
    for f in files:
        foreign = {n for n in _imports(f) if n not in sys.stdlib_module_names and n not in ("lifecycle", "__future__")}
        assert not foreign, f"{f.name} imports {foreign}"


def test_importing_lifecycle_loads_no_third_party_module():
    code = ("import sys; before=set(sys.modules); import lifecycle; "
            "new={m.split('.')[0] for m in set(sys.modules)-before}; "
            "print(sorted(n for n in new if n not in sys.stdlib_module_names and n != 'lifecycle' and not n.startswith('_')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=LIFECYCLE.parent)
    assert out.stdout.strip() == "[]"


def test_no_clock_is_read():
    for f in LIFECYCLE.glob("*.py"):
        text = f.read_text(encoding="utf-8")
        for call in ("datetime.now", "date.today", "time.time", "datetime.utcnow", "os.environ"):
            assert call not in text, f"{f.name} uses {call}"
