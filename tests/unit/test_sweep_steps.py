"""One list of sweep steps: the `daily-sweep` flow (each step in its Prefect task) and the benchmark's services
baseline (bench/child.py, no Prefect) both run copflow.services.sweep.steps.run_sweep, each with its own way of
running a step, and each of those ways implements every step."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from copflow.services.sweep.step_calls import ServiceSteps
from copflow.services.sweep.steps import SWEEP_STEPS, Step, SweepSteps

ROOT = Path(__file__).resolve().parents[2]


def _steps_of(cls: type) -> dict[str, list[str]]:
    """Each step method with its positional parameters (after self)."""
    return {name: [p.name for p in inspect.signature(fn).parameters.values()
                   if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty][1:]
            for name, fn in vars(cls).items()
            if inspect.isfunction(fn) and name in vars(SweepSteps) and not name.startswith("_")}


def test_the_list_is_every_step_in_its_order():
    assert tuple(Step) == SWEEP_STEPS and len(set(SWEEP_STEPS)) == 12
    assert [s.value for s in SWEEP_STEPS][:5] == ["plan", "close", "evaluate", "documents", "reminders"]
    assert SWEEP_STEPS[-1] is Step.PURGE and SWEEP_STEPS.index(Step.DIGEST) > SWEEP_STEPS.index(Step.DELIVER)


def test_the_flow_and_the_baseline_implement_every_step_alike():
    from flows.daily_sweep import InTasks

    protocol = _steps_of(SweepSteps)
    assert set(protocol) == {"plan", "close", "evaluate", "documents", "reminders", "action_reminders", "briefs",
                             "attention", "deliver", "digest", "purge"}
    assert _steps_of(InTasks) == protocol
    assert _steps_of(ServiceSteps) == protocol


def _run_sweep_calls(path: Path) -> list[str]:
    """What each `run_sweep(...)` call in a module is given as its steps: the class it constructs."""
    calls = [n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Name) and n.func.id == "run_sweep"]
    return [ast.unparse(c.args[0]) for c in calls]


def test_both_run_the_one_list():
    assert _run_sweep_calls(ROOT / "flows" / "daily_sweep.py") == ["InTasks(log)"]
    assert _run_sweep_calls(ROOT / "bench" / "child.py") == ["steps"]
    assert "steps = ServiceSteps(load_settings())" in (ROOT / "bench" / "child.py").read_text()
