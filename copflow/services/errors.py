"""Errors of the services: a user's mistake, shown as one line by the CLI. Each carries its values.

All derive from `lifecycle.CopflowError`, the one root of every error a user can cause (re-exported here)."""

from __future__ import annotations

from lifecycle.errors import CopflowError

__all__ = ["AlreadyExists", "ConcurrentChange", "CopClosed", "CopflowError", "InvalidInput", "NotFound"]


class NotFound(CopflowError):
    """Nothing of that kind has that key; `suggestion` is the closest key there is, when one is close."""

    def __init__(self, kind: str, key: str, *, suggestion: str | None = None) -> None:
        self.kind, self.key, self.suggestion = kind, key, suggestion
        hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
        super().__init__(f"no {kind} {key!r}{hint}", field=kind, value=key, cop=key if kind == "CoP" else None)


class AlreadyExists(CopflowError):
    def __init__(self, kind: str, key: str) -> None:
        self.kind, self.key = kind, key
        super().__init__(f"{kind} {key!r} already exists", field=kind, value=key, cop=key if kind == "CoP" else None)


class InvalidInput(CopflowError):
    """A value refused: `field` names it, `problem` says why; `value` and `limit` when the caller has them."""

    def __init__(self, field: str, problem: str, *, cop: str | None = None, value: object = None,
                 limit: object = None) -> None:
        self.problem = problem
        super().__init__(f"{field}: {problem}", field=field, cop=cop, value=value, limit=limit)


class ConcurrentChange(CopflowError):
    """Another writer changed the CoP between our read and our write; nothing of ours was written."""

    def __init__(self, slug: str) -> None:
        self.slug = slug
        super().__init__(f"{slug} was changed by someone else at the same time; nothing was written, try again",
                         cop=slug)


class CopClosed(CopflowError):
    def __init__(self, slug: str) -> None:
        self.slug = slug
        super().__init__(f"{slug} is closed: its record is read-only", cop=slug)


def in_a_sentence(exc: CopflowError, nouns: dict[str, str]) -> str:
    """A refusal as a page shows it beside its field: in a person's words, naming the field when the service's
    problem starts with a verb ("is longer than 200 characters" → "The title is longer than 200 characters."),
    an address never capitalised ("The address x@y.org is not …"), one capitalised sentence with a full stop."""
    from notifications.vocabulary import plain

    if isinstance(exc, NotFound) and exc.kind == "person":
        return f"Nobody with the address {exc.key} is known here."
    text = plain(exc.problem if isinstance(exc, InvalidInput) else str(exc)).strip()
    first = text.split(" ", 1)[0]
    noun = nouns.get(exc.field or "", "")
    if noun and first in ("is", "are", "must", "has", "have", "needs", "cannot"):
        text = f"{noun} {text}"
    elif "@" in first:
        text = f"{noun or 'the address'} {text}"
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ")")) else f"{text}."
