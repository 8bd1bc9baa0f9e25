"""The demo's portfolio loaded into a test database (SQLite or PostgreSQL), and a search of every column."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, MetaData, String, Text, select

from copflow.db.engine import get_engine
from copflow.db.uow import UnitOfWork
from lifecycle import Policy

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
P = Policy()
ODM = "od.manager@uni.example.org"


def load_demo(url: str, folder: Path) -> None:
    """The demo's people, CoPs and imported evidence; its mail delivered to a Maildir; the closing CoP archived;
    the review under way evaluated (a report file written)."""
    from copflow.demo.review_data import write_and_import
    from copflow.demo.walkthrough import load_portfolio
    from copflow.services.archiving import close_cop
    from copflow.services.evaluation.review_report import evaluate_cop
    from copflow.services.mail.delivery import deliver
    from notifications.transports import MaildirTransport

    today = NOW.date()
    load_portfolio(url, today, P)
    write_and_import(folder / "imports", url, today, NOW, P, ODM)
    close_cop(UnitOfWork(url), slug="facilities-management", now=NOW, policy=P, archive_dir=folder / "archives")
    evaluate_cop(UnitOfWork(url), slug="events-management", now=NOW, policy=P, reports_dir=folder / "reports")
    deliver(UnitOfWork(url), MaildirTransport(folder / "maildir"), sender="CoP programme <cop@uni.example.org>",
            now=NOW)


def _texts(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        try:  # JSON stored as text (SQLite) is decoded, so "Chlo\u00e9" is searched as "Chloé"
            value = json.loads(value)
        except ValueError:
            return re.sub(r"\r?\n[ \t]", "", value)  # folded iCalendar lines joined again
    return json.dumps(value, ensure_ascii=False)


def find_everywhere(url: str, *needles: str) -> list[str]:
    """Where any needle appears, case-insensitively, in any text or JSON column of any table of the database
    (read by reflection, not from copflow's models): "table.column #row"."""
    meta = MetaData()
    engine = get_engine(url)
    meta.reflect(bind=engine)
    wanted = [n.lower() for n in needles]
    found = []
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            cols = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            for row in conn.execute(select(*cols)) if cols else []:
                for col, value in zip(cols, row, strict=True):
                    text = _texts(value).lower()
                    if any(n in text for n in wanted):
                        found.append(f"{table.name}.{col.name}")
    return found
