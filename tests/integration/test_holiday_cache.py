"""Public holidays kept on disk (copflow/services/holiday_cache.py): a second process reads a region's year from
the cache without importing the `holidays` package, and gets exactly what the package says; a damaged file is made
again; a region the package does not know is refused as before and nothing is kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import holidays
import pytest

from copflow.services.errors import InvalidInput
from copflow.services.workdays import _holiday_names

ROOT = Path(__file__).resolve().parents[2]
ASK = ("import sys, json; from copflow.services.workdays import _holiday_names; "
       "names = _holiday_names({region!r}, {year}); "
       "print(json.dumps({{'loaded': 'holidays' in sys.modules, 'names': {{d.isoformat(): n for d, n in names.items()}}}}))")


def ask(cache: Path, region: str, year: int) -> dict[str, object]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    out = subprocess.run([sys.executable, "-c", ASK.format(region=region, year=year)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out))


@pytest.mark.parametrize(("region", "year"), [("GB-ENG", 2031), ("GB-SCT", 2027), ("US-NY", 2026), ("IE", 2030)])
def test_the_second_process_reads_the_holidays_without_the_package(tmp_path: Path, region: str, year: int) -> None:
    truth = {d.isoformat(): n for d, n in sorted(holidays.country_holidays(
        region.split("-")[0], subdiv=region.partition("-")[2] or None, years=year).items())}
    first = ask(tmp_path, region, year)
    assert first == {"loaded": True, "names": truth}
    [kept] = list(tmp_path.glob(f"copflow/holidays/*/{region}-{year}.json"))
    assert kept.parent.name == holidays.__version__  # a new release of the package reads afresh
    assert ask(tmp_path, region, year) == {"loaded": False, "names": truth}


def test_a_damaged_cache_is_made_again(tmp_path: Path) -> None:
    ask(tmp_path, "GB-ENG", 2029)
    [kept] = list(tmp_path.glob("copflow/holidays/*/GB-ENG-2029.json"))
    kept.write_text('{"2029-12-25": ', encoding="utf-8")  # cut short, as by a full disk
    again = ask(tmp_path, "GB-ENG", 2029)
    assert again["loaded"] is True and dict(again["names"])["2029-12-25"] == "Christmas Day"  # type: ignore[call-overload]
    assert json.loads(kept.read_text(encoding="utf-8"))["2029-12-25"] == "Christmas Day"


def test_an_unknown_region_is_refused_and_nothing_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    _holiday_names.cache_clear()
    with pytest.raises(InvalidInput, match="'XX' is not a country or subdivision"):
        _holiday_names("XX", 2026)
    assert list(tmp_path.rglob("*.json")) == []
    assert _holiday_names("GB-ENG", 2026)[date(2026, 12, 25)] == "Christmas Day"
    _holiday_names.cache_clear()
