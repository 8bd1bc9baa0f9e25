"""The map is true: docs/architecture.md gives four paths hop by hop (a gate from the web form, from the CLI and
from the Prefect form, and an overdue reminder from the sweep), each a numbered list of `file:function` ending at
the SMTP transport, no module twice; every function the page names exists."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
# A function named by its file from the repository's root (a bare `services/x.py:f` would not say which package).
REF = re.compile(r"`((?:lifecycle|copflow|notifications|tasks|flows|bench)/(?:[a-z_]+/)*[a-z_]+\.py):"
                 r"([A-Za-z_][\w.]*)`")
PATHS = ("A lead records a gate", "The OD manager records a gate with the CLI", "Someone records a gate with the "
         "Prefect form", "The daily sweep sends an overdue reminder")


def _paths() -> dict[str, list[tuple[str, str]]]:
    """Each path's steps, (file, function), in order: the first reference of each numbered item."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Four paths, hop by hop", 1)[1].split("\n## ", 1)[0]
    out: dict[str, list[tuple[str, str]]] = {}
    title = ""
    for line in section.splitlines():
        if line.startswith("**"):
            title = line.strip("*").split("**", 1)[0]
            out[title] = []
        elif re.match(r"\d+\. ", line):
            number = int(line.split(".", 1)[0])
            assert number == len(out[title]) + 1, f"{title}: step {number} is out of order"
            first = REF.search(line)
            assert first is not None, f"{title}: step {number} names no `file:function`"
            out[title].append((first.group(1), first.group(2)))
    return out


def _resolve(path: str, qualname: str) -> object:
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    found: object = module
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


def test_the_page_gives_the_four_paths():
    paths = _paths()
    assert [next((t for t in paths if t.startswith(p)), None) for p in PATHS] == list(paths)
    assert all(len(steps) >= 10 for steps in paths.values())


@pytest.mark.parametrize("title", PATHS)
def test_each_path_ends_at_the_smtp_transport_and_visits_no_module_twice(title):
    steps = next(s for t, s in _paths().items() if t.startswith(title))
    assert steps[-1] == ("notifications/transports.py", "SmtpTransport.connect")
    files = [f for f, _ in steps]
    assert sorted({f for f in files if files.count(f) > 1}) == []


def test_every_function_the_page_names_exists():
    named = sorted(set(REF.findall(DOC.read_text(encoding="utf-8"))))
    assert len(named) > 30
    missing = []
    for path, qualname in named:
        try:
            assert callable(_resolve(path, qualname))
        except (ImportError, AttributeError, AssertionError):
            missing.append(f"{path}:{qualname}")
    assert missing == []
