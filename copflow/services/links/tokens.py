"""Tokens of links sent by mail, made again at send time, so no working link is ever at rest (issue 28).

A link sent by mail gets a random salt; its token is HMAC-SHA256(link key, salt), cut to 192 bits, and only the
token's SHA-256 is stored, as for every link. The outbox keeps the mail with a placeholder where the token goes
(`{link:<id>:<first 16 hex of the salt>}`); the deliverer fills it in just before sending (`fill`). The key
lives outside the database (COPFLOW_LINK_KEY, or a key file made on first use, mode 0600), so a backup of the
database, its salts and hashes included, opens nothing. The same key and salt give the same token, so a re-send
after a crash is the same message under the same Message-ID (docs/reliability.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import select

from copflow.db.models import Link
from copflow.services.keys.files import key_from
from copflow.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from notifications.mime import Outgoing

TOKEN_BYTES = 24  # 192 bits
SALT_HEX = 32
PLACEHOLDER = re.compile(r"\{link:(\d+):([0-9a-f]{16})\}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_salt() -> str:
    return secrets.token_hex(SALT_HEX // 2)


def derive(key: bytes, salt: str) -> str:
    """The token of a mailed link: the same for the same key and salt, unguessable without the key."""
    mac = hmac.new(key, b"copflow-link-v1\x00" + salt.encode("ascii"), hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def placeholder(link_id: int, salt: str) -> str:
    return f"{{link:{link_id}:{salt[:16]}}}"


def link_key(settings: Settings | None = None) -> bytes:
    """COPFLOW_LINK_KEY, else the key file (COPFLOW_LINK_KEY_FILE, default <home>/link.key), made on first use
    (copflow/services/keys/files.py, as the chat channels' key)."""
    if settings is None:
        from copflow.settings import load_settings

        settings = load_settings()
    return key_from(settings.link_key, settings.link_key_file or settings.home / "link.key", "COPFLOW_LINK_KEY")


def fill(s: Session, outgoing: Mapping[int, Outgoing], key: Callable[[], bytes]) -> dict[int, Outgoing]:
    """The messages with every placeholder of the recipient's own links replaced by its token (caller commits).

    A link whose stored hash no longer matches the token made now (the key changed while the mail waited) takes
    the new token's hash, so the mail still works and the old token opens nothing. A placeholder that is not one of
    the recipient's own links (text typed to look like one) is left as typed: it never yields another's token.
    """
    ids = {int(m.group(1)) for o in outgoing.values() for text in (o.body_text, o.body_html or "")
           for m in PLACEHOLDER.finditer(text)}
    if not ids:
        return dict(outgoing)
    found = {k.id: k for k in s.scalars(select(Link).where(Link.id.in_(ids))) if k.salt}
    secret = key()
    tokens: dict[int, str] = {}
    for link_id, link in found.items():
        assert link.salt is not None
        tokens[link_id] = derive(secret, link.salt)
        if token_hash(tokens[link_id]) != link.token_hash:
            link.token_hash = token_hash(tokens[link_id])

    def filled(o: Outgoing) -> Outgoing:
        def token(m: re.Match[str]) -> str:
            link = found.get(int(m.group(1)))
            if link is None or not (link.salt or "").startswith(m.group(2)) or link.email != o.recipient.lower():
                return m.group(0)
            return tokens[link.id]

        html = PLACEHOLDER.sub(token, o.body_html) if o.body_html else o.body_html
        return replace(o, body_text=PLACEHOLDER.sub(token, o.body_text), body_html=html)

    return {nid: filled(o) for nid, o in outgoing.items()}
