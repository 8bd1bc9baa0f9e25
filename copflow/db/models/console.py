"""The OD manager's console: who is signed in. Only the SHA-256 of a session's random token is kept (the cookie
holds the token), with who it is, how they signed in, their group claim's values (to judge the managers' groups
again on every request) and when it ends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from copflow.db.models.cops import Base


class ConsoleSession(Base):
    __tablename__ = "console_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    how: Mapped[str] = mapped_column(String(20))  # oidc, header or demo
    groups: Mapped[list[Any]]
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # created_at + the settings' session hours; idleness ends it sooner
    ended_at: Mapped[datetime | None]  # signed out
    # An OpenID Connect sign-in's ID token, for the provider's sign-out (`id_token_hint`); None once ended.
    id_token: Mapped[str | None] = mapped_column(Text, default=None)
    __table_args__ = (UniqueConstraint("token_hash", name="uq_console_session_token_hash"),
                      Index("ix_console_session_expires_at", "expires_at"))
