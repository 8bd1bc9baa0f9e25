"""Run the sweep's services (no Prefect) in a process of its own, so its peak memory is its own: the same
services, in the same order, as the daily-sweep flow calls through its tasks."""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import datetime

from copflow.db.uow import UnitOfWork
from copflow.services.archiving import due_closures
from copflow.services.evaluation import due_evaluations
from copflow.services.mail.delivery import deliver
from copflow.services.portfolio import portfolio, stage_counts
from copflow.services.sweep import due_cop_batches, sweep_batch
from lifecycle import Policy
from notifications.transports import MaildirTransport


def main(url: str, now_iso: str, maildir: str) -> None:
    now, policy = datetime.fromisoformat(now_iso), Policy()
    t = time.perf_counter()
    queued = 0
    for batch in due_cop_batches(UnitOfWork(url), now=now, policy=policy):
        queued += sweep_batch(UnitOfWork(url), batch, now=now, policy=policy).notices_queued
    # What the flow plans besides the due batches (nothing of it is due here, but it is looked up)
    due_evaluations(UnitOfWork(url), now=now, policy=policy)
    due_closures(UnitOfWork(url), now=now, policy=policy)
    sent = deliver(UnitOfWork(url), MaildirTransport(__import__("pathlib").Path(maildir)), sender="b <b@x.org>",
                   now=now).sent
    # ... and what it publishes: the CoPs needing attention and the counts per stage
    portfolio(UnitOfWork(url), now=now, policy=policy, attention_only=True)
    stage_counts(UnitOfWork(url))
    elapsed = time.perf_counter() - t
    print(json.dumps({"seconds": elapsed, "queued": queued, "sent": sent,
                      "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
