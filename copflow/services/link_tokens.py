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
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from copflow.db.models import Link
from copflow.settings import Settings, SettingsError

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
    """COPFLOW_LINK_KEY, else the key file (COPFLOW_LINK_KEY_FILE, default <home>/link.key), made on first use."""
    if settings is None:
        from copflow.settings import load_settings

        settings = load_settings()
    if settings.link_key:
        return settings.link_key.encode("utf-8")
    path = settings.link_key_file or settings.home / "link.key"
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        stamp = _make_key_file(path)
    return _read_key(str(path), stamp)


def _make_key_file(path: Path) -> int:
    """Write a new random key where none is, readable by its owner only; two processes racing both end up with
    the one that was linked first (the file appears whole or not at all)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii") + "\n")
        try:
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            temp.unlink()
        return path.stat().st_mtime_ns
    except OSError as exc:
        raise SettingsError(f"COPFLOW_LINK_KEY_FILE: cannot create {path}: {exc.strerror}",
                            field="COPFLOW_LINK_KEY_FILE", value=str(path)) from None


@lru_cache(maxsize=8)
def _read_key(path: str, stamp: int) -> bytes:
    try:
        key = Path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not a key copflow made"
        raise SettingsError(f"COPFLOW_LINK_KEY_FILE: cannot read {path}: {reason}", field="COPFLOW_LINK_KEY_FILE",
                            value=path) from None
    if len(key) < 32:
        raise SettingsError(f"COPFLOW_LINK_KEY_FILE: {path} holds fewer than 32 characters", value=path,
                            field="COPFLOW_LINK_KEY_FILE")
    return key.encode("utf-8")


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
