"""The closure archive: when the closing date arrives, gather the CoP's whole record into one verified
archive, and only then mark it closed, through the one transition path. Running it again on a closed CoP writes
nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from copflow.db.models import SCHEMA_VERSION, Cop
from copflow.db.uow import UnitOfWork
from copflow.services.clock import cop_date, local_date
from copflow.services.closing.contents import gather
from copflow.services.errors import THE_COP, InvalidInput
from copflow.services.snapshots import get_cop
from copflow.services.transitions import Change, transition
from lifecycle import Gate, Policy, Stage
from lifecycle.events import Emit
from notifications.archive import ArchiveError, read_member, verify_archive, write_archive

ACTOR = "copflow archive"


@dataclass(frozen=True)
class ClosureResult:
    slug: str
    path: str
    manifest_sha256: str
    files: int
    already_closed: bool
    closed_on: str = ""  # the closing date announced (ISO); the archive may be written later
    name: str = ""  # the CoP's name, as its closure record is titled
    events: tuple[Emit, ...] = ()  # the transition's, for copflow/runs.py to send (none when already closed)


def close_cop(uow: UnitOfWork, *, slug: str, now: datetime, policy: Policy, archive_dir: Path,
              od_manager: str | None = None, by: str = ACTOR,
              before_rename: Callable[[Path], None] | None = None,
              after_write: Callable[[Path], None] | None = None) -> ClosureResult:
    """Archive and close a CoP whose closing date has arrived. Idempotent: a closed CoP is left as it is. `by` is
    who asked (the console's signed-in OD manager, the CLI's user); the sweep's own closing is copflow's."""
    today = local_date(now, policy)
    with uow:
        cop = get_cop(uow.session, slug)
        if cop.stage == Stage.CLOSED.value:
            v = verify_archive(Path(cop.archive_path or ""))
            return ClosureResult(slug, cop.archive_path or "", v.manifest_sha256, v.files, already_closed=True,
                                 closed_on=str(cop.closing_date or ""), name=cop.name)
        if cop.stage != Stage.CLOSING.value:
            raise InvalidInput("stage", f"{THE_COP} is in stage {cop.stage}: only a closing CoP is archived", cop=slug,
                               cop_name=cop.name)
        if cop.closing_date is None or cop.closing_date > today:
            raise InvalidInput("closing date", f"{THE_COP} closes on {cop.closing_date}; it is archived from that day",
                               cop=slug, cop_name=cop.name)
        verified_on = cop_date(now, cop.timezone)  # evidence is dated in the CoP's own time zone
        files = gather(uow.session, cop, policy)
        metadata = {"cop": {"slug": cop.slug, "name": cop.name, "closing_date": str(cop.closing_date)},
                    "schema_version": SCHEMA_VERSION, "created_at": now.isoformat()}
        closed_on = cop.closing_date.isoformat()
        name, cop_name = f"{cop.slug}-{closed_on}.zip", cop.name
    target = archive_dir / name
    if target.exists():  # an earlier run wrote it and stopped before recording it: reuse it if it verifies
        check = verify_archive(target)
        if not check.ok or json.loads(read_member(target, "manifest.json"))["cop"]["slug"] != slug:
            raise ArchiveError(f"{target} exists and does not verify: {'; '.join(check.problems)}; "
                               "it is left for inspection", cop=slug, value=str(target))
        path, digest = target, check.manifest_sha256
    else:
        path, digest = write_archive(archive_dir, name, files, metadata, before_rename=before_rename)
    if after_write is not None:
        after_write(path)
    check = verify_archive(path)
    if not check.ok or check.manifest_sha256 != digest:
        raise ArchiveError(f"archive {path} does not verify ({'; '.join(check.problems) or 'manifest changed'}); "
                           f"{slug} stays in closing", cop=slug, value=str(path))
    evidence = {"archive_path": str(path), "manifest_sha256": digest, "verified_on": verified_on.isoformat()}
    # The core's effects record the archive and tell leads, sponsor and the OD manager.
    closed = transition(uow, Change(slug, by, gate=Gate.ARCHIVE_VERIFIED, evidence=evidence, to=Stage.CLOSED,
                                    reason=f"archive verified: {path.name}"),
                        now=now, policy=policy, od_manager=od_manager)
    return ClosureResult(slug, str(path), digest, check.files, already_closed=False, closed_on=closed_on,
                         name=cop_name, events=closed.events)


def due_closures(uow: UnitOfWork, *, now: datetime, policy: Policy) -> list[str]:
    today = local_date(now, policy)
    with uow:
        return list(uow.session.scalars(select(Cop.slug).where(Cop.stage == Stage.CLOSING.value,
                                                               Cop.closing_date <= today).order_by(Cop.slug)))
