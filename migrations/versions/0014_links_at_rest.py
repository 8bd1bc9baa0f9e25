"""link.salt: the token of a link sent by mail is made again at send time, never kept in the outbox

Outbox rows written before this revision hold their links' tokens. Each one found (a 32-character token after
/e/, /c/, /f/, /d/ or /a/ whose SHA-256 is a link's) is taken out: in a message still to be sent it becomes the
placeholder the deliverer fills in, its link given a salt (the deliverer then re-keys the link, so the token
written before the upgrade opens nothing); in a message sent, parked or withdrawn it becomes "[link]".

Revision ID: 0014
Revises: 0016
Create Date: 2026-12-08
"""

from __future__ import annotations

import hashlib
import re
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"  # given as 0011; chained after main's 0016 (from 0011 too) at the merge
branch_labels = None
depends_on = None

_TOKEN = re.compile(r"(/[ecfda]/)([A-Za-z0-9_\-]{32})(?![A-Za-z0-9_\-])")
_link = sa.table("link", sa.column("id", sa.Integer), sa.column("token_hash", sa.String), sa.column("salt", sa.String))
_mail = sa.table("notification", sa.column("id", sa.Integer), sa.column("status", sa.String),
                 sa.column("body_text", sa.Text), sa.column("body_html", sa.Text))


def upgrade() -> None:
    with op.batch_alter_table("link") as batch:
        batch.add_column(sa.Column("salt", sa.String(length=32), nullable=True))
    conn = op.get_bind()
    links = {h: i for i, h in conn.execute(sa.select(_link.c.id, _link.c.token_hash))}
    salts: dict[int, str] = {}
    for nid, status, text, html in conn.execute(sa.select(_mail.c.id, _mail.c.status, _mail.c.body_text,
                                                          _mail.c.body_html)).all():
        waiting = status in ("pending", "sending")

        def out(m: re.Match[str], waiting: bool = waiting) -> str:
            link_id = links.get(hashlib.sha256(m.group(2).encode()).hexdigest())
            if link_id is None:
                return m.group(0)
            if not waiting:
                return m.group(1) + "[link]"
            salt = salts.setdefault(link_id, secrets.token_hex(16))
            return m.group(1) + f"{{link:{link_id}:{salt[:16]}}}"

        new_text, new_html = _TOKEN.sub(out, text or ""), _TOKEN.sub(out, html) if html else html
        if new_text != (text or "") or new_html != html:
            conn.execute(sa.update(_mail).where(_mail.c.id == nid).values(body_text=new_text, body_html=new_html))
    for link_id, salt in salts.items():
        conn.execute(sa.update(_link).where(_link.c.id == link_id).values(salt=salt))


def downgrade() -> None:
    with op.batch_alter_table("link") as batch:
        batch.drop_column("salt")
