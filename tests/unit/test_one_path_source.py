"""The one transition path, read from the source tree: one module writes transition rows, one adds gate evidence
(with the path's Core-only helper for `copflow gate record`), one names copflow's events and one sends them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("lifecycle", "copflow", "notifications", "tasks", "flows", "bench")


def _sources() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
            for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def _calling(name: str) -> set[str]:
    """The modules that call `name(...)` (a class built, a function called), read as Python, not as text."""
    found = set()
    for path, text in _sources().items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call):
                f = node.func
                called = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
                if called == name:
                    found.add(path)
    return found


def test_one_module_writes_transition_rows():
    assert _calling("TransitionRecord") == {"copflow/services/transitions.py"}


def test_one_module_adds_gate_evidence_and_one_helper_of_the_path_inserts_it_through_core():
    assert _calling("GateEvidence") == {"copflow/services/transitions.py"}
    core = {path for path, text in _sources().items() if re.search(r"insert\(\s*GATE_EVIDENCE", text)}
    assert core == {"copflow/services/evidence.py"}  # `copflow gate record`: records, moves nothing


def test_one_module_names_copflows_events_and_one_sends_them():
    named = {path for path, text in _sources().items() if re.search(r"[\"']copflow\.[a-z_]+\.[a-z_]+[\"']", text)}
    assert named == {"lifecycle/events.py"}
    assert _calling("Emit") == {"lifecycle/events.py"}
    assert _calling("emit_event") == {"copflow/runs.py"}


def test_the_sweep_and_the_archive_no_longer_drop_what_the_path_returns():
    for path in ("copflow/services/sweep/due_work.py", "copflow/services/archiving.py"):
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
                 and (getattr(n.value.func, "id", None) == "transition"
                      or getattr(n.value.func, "attr", None) == "move")]
        assert calls == [], f"{path} calls the transition path and drops its result (and so its events)"
