"""How a page names a person: by name, with the address they are reached at, the same on every page."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from copflow.db.models import Person

VIA_WEB = " (via web)"  # what the audit trail adds to who acted from a link


def named(s: Session, email: str) -> str:
    """A person as a page names them: "Oda Mann (odm@uni.example.org)", or the address alone if unknown. Who acted
    "via web" (as the audit trail keeps it) is named the same."""
    email = email.removesuffix(VIA_WEB)
    name = s.scalar(select(Person.name).where(Person.email == email.strip().lower()))
    return f"{name} ({email})" if name else email
