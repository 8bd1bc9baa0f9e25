"""Alembic takes an empty database to head, and head matches the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from copflow.db.engine import get_engine
from copflow.db.migrate import current_revision, upgrade
from copflow.db.models import SCHEMA_VERSION, Base


def test_head_matches_the_models(db_url):
    assert current_revision(db_url) == SCHEMA_VERSION
    with get_engine(db_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_is_safe_to_rerun(db_url):
    upgrade(db_url)
    assert current_revision(db_url) == SCHEMA_VERSION


def test_empty_sqlite_file_to_head(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'copflow.db'}"
    assert current_revision(url) is None
    upgrade(url)
    assert current_revision(url) == SCHEMA_VERSION
    from sqlalchemy import inspect

    tables = set(inspect(get_engine(url)).get_table_names())
    assert {"cop", "person", "membership", "gate_evidence", "charter", "transition", "meeting_series",
            "notification"} <= tables
    indexes = {i["name"] for i in inspect(get_engine(url)).get_indexes("cop")}
    assert "ix_cop_next_due_on" in indexes


def test_upgrading_to_0005_keeps_queued_mail(db_url):
    """A database at 0004 with mail in its outbox upgrades in place: the rows stay, with no attachment."""
    from alembic import command
    from sqlalchemy import text

    from copflow.db.migrate import alembic_config

    command.downgrade(alembic_config(db_url), "0004")
    try:
        with get_engine(db_url).begin() as conn:
            conn.execute(text(
                "INSERT INTO notification (idempotency_key, kind, recipient, subject, body_text, status, attempts, "
                "next_attempt_at, created_at) VALUES ('k/1', 'stage_changed', 'a@x.org', 's', 't', 'pending', 0, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    finally:
        upgrade(db_url)
    assert current_revision(db_url) == SCHEMA_VERSION
    with get_engine(db_url).connect() as conn:
        rows = conn.execute(text("SELECT idempotency_key, status, attachment_name, attachment FROM notification"))
        assert [tuple(r) for r in rows] == [("k/1", "pending", None, None)]


def test_upgrading_from_0006_keeps_mail_in_flight_claimable(db_url):
    """Rows claimed before 0007 have no claim token: they are pending again after their lease, like any other."""
    from datetime import UTC, datetime, timedelta

    from alembic import command
    from sqlalchemy import text

    from copflow.db.migrate import alembic_config
    from copflow.db.uow import UnitOfWork
    from copflow.services.mail.claims import LEASE, claim

    command.downgrade(alembic_config(db_url), "0006")
    lease_end = datetime(2026, 3, 2, 9, 10, tzinfo=UTC)
    try:
        with get_engine(db_url).begin() as conn:
            conn.execute(text(
                "INSERT INTO notification (idempotency_key, kind, recipient, subject, body_text, status, attempts, "
                "next_attempt_at, created_at) VALUES ('k/1', 'stage_changed', 'a@x.org', 's', 't', 'sending', 0, "
                ":lease_end, CURRENT_TIMESTAMP)"), {"lease_end": lease_end.replace(tzinfo=None)
                                                   if db_url.startswith("sqlite") else lease_end})
    finally:
        upgrade(db_url)
    assert current_revision(db_url) == SCHEMA_VERSION
    assert claim(UnitOfWork(db_url), now=lease_end - timedelta(minutes=1), limit=10).ids == []
    taken = claim(UnitOfWork(db_url), now=lease_end, limit=10)
    assert taken.ids == [1] and taken.until == lease_end + LEASE
