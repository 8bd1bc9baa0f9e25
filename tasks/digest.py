"""Task that writes the OD manager's daily digest from what the sweep did (one mail per sweep)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, tzinfo
from pathlib import PurePath
from typing import Any

from prefect import task

from copflow.services.archiving import ClosureResult
from copflow.services.closing.lessons import only_drafted
from copflow.services.document_failures import missing_documents
from copflow.services.mail.digest import Digest, cop_names, group_escalations, send_digest, waiting_reviews
from tasks.common import settings, uow


@task(name="od-digest", retries=1, retry_delay_seconds=10)
def od_digest(now: datetime, attention: list[dict[str, Any]], closures: list[ClosureResult],
              failures: dict[str, str], parked: list[str], run_url: str | None = None,
              artifacts_url: str | None = None, mail_waiting: int = 0,
              mail_clears_at: str | None = None) -> Digest:
    """Build the digest (the sweep artifact is written from the same value) and queue it for the OD manager."""
    s = settings()
    policy = s.policy()
    reviews, no_survey = waiting_reviews(uow(), now=now, policy=policy)
    names = cop_names(uow(), [c.slug for c in closures] + list(failures))
    drafts_only = only_drafted(uow(), [c.slug for c in closures])
    digest = Digest(on=now.astimezone(policy.zone()).date().isoformat(),
                    escalations=group_escalations(attention, failures), reviews=reviews, no_survey=no_survey,
                    closed=[{"slug": c.slug, "name": names.get(c.slug, c.slug), "archive": PurePath(c.path).name,
                             "closed_on": c.closed_on or None, "lessons_draft_only": c.slug in drafts_only}
                            for c in closures],
                    archive_failed=[{"slug": slug, "name": names.get(slug, slug), "reason": reason}
                                    for slug, reason in failures.items()],
                    parked=parked, documents_missing=[asdict(d) for d in missing_documents(uow())],
                    run_url=run_url, artifacts_url=artifacts_url, mail_waiting=mail_waiting,
                    mail_clears=_clears_words(mail_clears_at, policy.zone()) if mail_waiting else None)
    digest.queued = send_digest(uow(), digest, to=s.od_manager_email, now=now, policy=policy)
    return digest


def _clears_words(clears_at: str | None, zone: tzinfo) -> str | None:
    from notifications.vocabulary import long_date

    if not clears_at:
        return None
    at = datetime.fromisoformat(clears_at).astimezone(zone)
    return f"{long_date(at)}, {at:%H:%M}"
