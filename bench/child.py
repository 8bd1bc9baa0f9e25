"""Run the sweep's services (no Prefect) in a process of its own, so its peak memory is its own: the same steps,
in the same order, as the daily-sweep flow runs through its tasks (both through
copflow.services.sweep_steps.run_sweep), configured by the same settings (COPFLOW_* in the environment).

`python -m bench.child DATABASE_URL NOW MAILDIR` prints one JSON line: the seconds, what was sent, the peak RSS and
each step's time."""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from datetime import datetime


def main(url: str, now_iso: str, maildir: str) -> dict[str, object]:
    os.environ.update({"COPFLOW_DATABASE_URL": url, "COPFLOW_MAILDIR": maildir})
    os.environ.pop("COPFLOW_SMTP_HOST", None)
    from copflow.services.sweep_services import ServiceSteps
    from copflow.services.sweep_steps import run_sweep
    from copflow.settings import load_settings

    steps = ServiceSteps(load_settings())
    t = time.perf_counter()
    outcome = run_sweep(steps, datetime.fromisoformat(now_iso))
    elapsed = time.perf_counter() - t
    summary = outcome.summary()
    return {"seconds": elapsed, "queued": outcome.counts.notices_queued, "sent": summary["sent"],
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "steps": summary["steps"]}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
