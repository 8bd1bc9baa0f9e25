"""Run the sweep's services (no Prefect) in a process of its own, so its peak memory is its own: the same steps,
in the same order, as the daily-sweep flow runs through its tasks (both through
copflow.services.sweep.steps.run_sweep), configured by the same settings (COPFLOW_* in the environment).

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
    from copflow.services.sweep.step_calls import ServiceSteps
    from copflow.services.sweep.steps import run_sweep
    from copflow.settings import load_settings

    steps = ServiceSteps(load_settings())
    warm()
    t = time.perf_counter()
    outcome = run_sweep(steps, datetime.fromisoformat(now_iso))
    elapsed = time.perf_counter() - t
    summary = outcome.summary()
    return {"seconds": elapsed, "queued": outcome.counts.notices_queued, "sent": summary["sent"],
            "max_rss_mb": peak_rss_mb(), "steps": summary["steps"]}


def warm() -> None:
    """Every message template compiled and the mail modules loaded, as in a worker that has run before: the
    benchmark's own process (the flow's side) does the same before its first measured run."""
    from notifications.mime import Outgoing, build
    from notifications.previews import PREVIEWS, preview

    for name in PREVIEWS:
        rendered, _ = preview(name)
    build(Outgoing("warm", "a@x.org", "A", rendered.subject, rendered.text, rendered.html), "b <b@x.org>",
          datetime.now().astimezone())


def peak_rss_mb() -> float:
    """This process's own peak RSS. Not getrusage's ru_maxrss: on Linux a process started by fork (or vfork)
    and exec keeps its parent's high-water mark there, so it reported the benchmark's own process (Prefect and
    all), about 360 MB, whatever the sweep used."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
