"""Keys kept outside the database: a COPFLOW_*_KEY variable, else a key file made on first use (mode 0600), so a
copy of the database (a backup, an export) opens nothing the key protects. Read through a cache keyed by the
file's modification time: a replaced file is read again, an unchanged one costs a stat."""

from __future__ import annotations

import base64
import os
import secrets
from functools import lru_cache
from pathlib import Path

from copflow.settings import SettingsError

MIN_KEY = 32


def key_from(value: str | None, path: Path, variable: str) -> bytes:
    """`value` (the variable's, already checked by the settings), else the key file at `path`, made if missing.
    Errors name `<variable>_FILE`, never the key."""
    if value:
        return value.encode("utf-8")
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        stamp = _make(path, f"{variable}_FILE")
    return _read(str(path), stamp, f"{variable}_FILE")


def _make(path: Path, variable: str) -> int:
    """A new random key, readable by its owner only; two processes racing both end up with the one linked first
    (the file appears whole or not at all)."""
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
        raise SettingsError(f"{variable}: cannot create {path}: {exc.strerror}", field=variable,
                            value=str(path)) from None


@lru_cache(maxsize=8)
def _read(path: str, stamp: int, variable: str) -> bytes:
    try:
        key = Path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not a key copflow made"
        raise SettingsError(f"{variable}: cannot read {path}: {reason}", field=variable, value=path) from None
    if len(key) < MIN_KEY:
        raise SettingsError(f"{variable}: {path} holds fewer than {MIN_KEY} characters", field=variable, value=path)
    return key.encode("utf-8")
