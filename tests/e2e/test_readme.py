"""The README's two commands are the ones CI and users run; prefect.yaml names real flows."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", README)


def test_readme_has_a_setup_and_demo_command_and_a_test_command():
    commands = _commands()
    assert any(c.endswith("uv run --frozen copflow demo") for c in commands)
    assert any(c.endswith("uv run --frozen pytest") and "bash tests/install-tools.sh" in c for c in commands)
    assert "npm ci --prefix tests/interop" in (ROOT / "tests" / "install-tools.sh").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command_word_for_word():
    test_command = next(c for c in _commands() if c.endswith("uv run --frozen pytest"))
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_every_prefect_yaml_entrypoint_loads_a_flow():
    from prefect.flows import Flow

    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    assert spec["deployments"]
    for d in spec["deployments"]:
        path, _, name = d["entrypoint"].partition(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert isinstance(getattr(module, name), Flow), d["entrypoint"]
        for trigger in d.get("triggers", []):
            from prefect.events import DeploymentEventTrigger

            parsed = DeploymentEventTrigger.model_validate(trigger)  # Prefect's own schema
            assert parsed.expect and parsed.match, d["name"]


def test_no_flow_file_shadows_a_package():
    names = {p.stem for p in (ROOT / "flows").glob("*.py")}
    assert not names & {"notifications", "tasks", "lifecycle", "email", "calendar", "copflow", "templates"}


def test_the_lifecycle_page_shows_the_generated_diagram():
    from lifecycle import mermaid

    assert mermaid() in (ROOT / "docs" / "lifecycle.md").read_text(encoding="utf-8")
