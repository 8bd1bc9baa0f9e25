"""A chat channel's address is a secret (anyone who has a webhook's address can post as the channel's app): it is
kept sealed with Fernet (AES-128-CBC and HMAC-SHA256, from `cryptography`) under the channel key, which lives
outside the database (COPFLOW_CHANNEL_KEY, or a 0600 key file made on first use, COPFLOW_CHANNEL_KEY_FILE). A copy
of the database alone opens no channel. A key that changed cannot open what the old one sealed: the channel must
be set again (the post says so, and waits parked)."""

from __future__ import annotations

import base64
import hashlib

from copflow.services.errors import InvalidInput
from copflow.services.keys.files import key_from
from copflow.settings import Settings, load_settings


class ChannelKeyChanged(InvalidInput):
    """The sealed address cannot be opened with the channel key in use: the key changed since it was set."""

    def __init__(self) -> None:
        super().__init__("COPFLOW_CHANNEL_KEY", "the channel's address was sealed with another channel key "
                                                "(COPFLOW_CHANNEL_KEY or its key file changed): set the channel again")


def channel_key(settings: Settings | None = None) -> bytes:
    s = settings or load_settings()
    return key_from(s.channel_key, s.channel_key_file or s.home / "channel.key", "COPFLOW_CHANNEL_KEY")


def _fernet(key: bytes):  # type: ignore[no-untyped-def]
    from cryptography.fernet import Fernet  # loaded only where a channel is sealed or opened

    # Fernet wants 32 url-safe base64 bytes: derived from the key, whatever its own form, bound to this use.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"copflow-channel-v1\x00" + key).digest()))


def seal(address: str, key: bytes) -> str:
    return str(_fernet(key).encrypt(address.encode("utf-8")).decode("ascii"))


def unseal(sealed: str, key: bytes) -> str:
    from cryptography.fernet import InvalidToken

    try:
        return str(_fernet(key).decrypt(sealed.encode("ascii")).decode("utf-8"))
    except (InvalidToken, ValueError):
        raise ChannelKeyChanged() from None
