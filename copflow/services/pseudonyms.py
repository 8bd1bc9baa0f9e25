"""Pseudonyms and the recipient hash: small and import-light, because the outbox consults them on every enqueue."""

from __future__ import annotations

import hashlib
import re

# RFC 2606 reserves .invalid: an erased person's address can never reach a mailbox, and nothing is queued to it.
ERASED_DOMAIN = "erased.invalid"


def pseudonym(person_id: int) -> str:
    """Stable for a person (erasing twice gives the same name) and derived from nothing that identifies them."""
    return f"erased-{person_id}"


def pseudonym_email(person_id: int) -> str:
    return f"{pseudonym(person_id)}@{ERASED_DOMAIN}"


def pseudonym_name(person_id: int) -> str:
    return f"Erased person {person_id}"


def is_erased(address: str) -> bool:
    return address.lower().endswith("@" + ERASED_DOMAIN)


def recipient_hash(address: str) -> str:
    """SHA-256 of the lower-cased address: what a purged message keeps of its recipient. Whoever knows an address
    can check whether mail went to it (the audit needs that); nobody can read the address back from the hash."""
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()


# An address as it sits in an idempotency key: between slashes (keys are "<what>/<when>/<address>").
_KEY_ADDRESS = re.compile(r"[^/\s]+@[^/\s]+")


def hashed_key(key: str) -> str:
    """The idempotency key a purged message keeps: each address in it replaced by "~" and its recipient hash, so
    the key still says "already sent" to whoever knows the address, and names nobody to whoever does not."""
    return _KEY_ADDRESS.sub(lambda m: "~" + recipient_hash(m.group(0)), key)
