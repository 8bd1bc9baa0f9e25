"""Public holidays kept on disk between runs. The `holidays` package loads every country it knows on first use
(about 85 ms of a command's start, a quarter of `copflow gate record`); a region's holidays for a year are a pure
function of the package's version, so they are kept per version in the user's cache folder
(`$XDG_CACHE_HOME/copflow/holidays/<version>/<region>-<year>.json`, else `~/.cache/…`). A new version of the
package reads afresh; a cache that cannot be read or written is only skipped, never an error."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

_REGION = re.compile(r"[A-Z]{2,3}(?:-[A-Z0-9]{1,3})?")  # what lifecycle.policy.is_region admits: a safe file name


def _file(region: str, year: int) -> Path | None:
    from importlib.metadata import PackageNotFoundError, version

    if not _REGION.fullmatch(region) or not 1 <= year <= 9999:
        return None
    try:
        release = version("holidays")
    except PackageNotFoundError:
        return None
    configured = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(configured) if os.path.isabs(configured) else Path.home() / ".cache"  # a relative one: ignored
    return base / "copflow" / "holidays" / re.sub(r"[^A-Za-z0-9.+_-]", "_", release) / f"{region}-{year}.json"


def cached(region: str, year: int, compute: Callable[[], dict[date, str]]) -> dict[date, str]:
    """`compute()`'s holidays of `region` in `year`, read from the cache when it has them."""
    path = _file(region, year)
    if path is not None:
        try:
            kept = json.loads(path.read_text(encoding="utf-8"))
            return {date.fromisoformat(day): str(name) for day, name in kept.items()}
        except (OSError, ValueError, AttributeError):
            pass  # not there yet, or damaged: made again below
    found = compute()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(json.dumps({d.isoformat(): n for d, n in found.items()}))
            os.replace(tmp, path)  # whole or not at all, even with two processes or threads writing at once
        except OSError:
            pass
    return found
