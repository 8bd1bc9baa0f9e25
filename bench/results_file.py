"""The benchmarks' table, printed, and its JSON file (`bench/results.json`), whole or one part's rows replaced."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import UTC, datetime
from typing import Any


def write(args: argparse.Namespace, rows: list[dict[str, Any]], replace_prefix: str | None = None) -> int:
    """Print the table and write the JSON; with `replace_prefix`, only those rows of the last run are replaced."""
    width = max(len(r["benchmark"]) for r in rows)
    print(f"\n{'benchmark':{width}}  {'ratio':>7}  {'target':28}  ok   figure")
    for r in rows:
        print(f"{r['benchmark']:{width}}  {r['ratio']:7.2f}  {r['target']:28}  {'yes' if r['ok'] else 'NO ':3}  "
              f"{r['figure']}")
    when = datetime.now(UTC).isoformat()
    rows = [{**r, "when": when} for r in rows]
    result = {"when": when, "quick": args.quick, "machine": platform.platform(),
              "cpus": os.cpu_count(), "python": sys.version.split()[0], "rows": rows}
    if replace_prefix is not None and args.out.exists():
        last = json.loads(args.out.read_text(encoding="utf-8"))
        kept = [r for r in last["rows"] if not r["benchmark"].startswith(replace_prefix)]  # as they were
        result = {**last, "rows": kept + rows, f"when {replace_prefix.strip(': ')}": when}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}")
    return 0
