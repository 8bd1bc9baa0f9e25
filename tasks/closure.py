"""Tasks that archive CoPs whose closing date has arrived, and publish each closure manifest."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact

from copflow.runs import announce
from copflow.services.archiving import ClosureResult
from notifications.archive import read_member
from notifications.sweep_summary import closure_markdown
from tasks.common import steps


@task(name="archive-and-close", retries=1, retry_delay_seconds=30)
def archive_and_close(slug: str, now: datetime) -> ClosureResult:
    result = steps().close_one(slug, now)
    if not result.already_closed:
        manifest = json.loads(read_member(Path(result.path), "manifest.json"))
        name = result.name or slug
        create_markdown_artifact(
            key=f"copflow-closure-{slug}",
            markdown=closure_markdown(name, result.path, result.manifest_sha256, manifest),
            description=f"Closure manifest of {name}, every checksum re-read and matched")
        announce(slug, result.events)
    return result
