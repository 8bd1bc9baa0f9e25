"""Run Alembic migrations from code (`copflow db upgrade`, tests, the demo)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config


def migrations_dir() -> Path:
    here = Path(__file__).resolve().parent.parent  # copflow/
    for candidate in (here.parent / "migrations", here / "_data" / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError("copflow's migrations folder is missing from this installation")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    # ConfigParser treats % as interpolation; URL-encoded passwords carry % signs.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from copflow.db.engine import get_engine

    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
