"""Errors of the services: a user's mistake, shown as one line by the CLI. Each carries its values.

All derive from `lifecycle.CopflowError`, the one root of every error a user can cause (re-exported here)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from lifecycle.errors import THE_COP, CopflowError

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["THE_COP", "AlreadyExists", "ConcurrentChange", "CopClosed", "CopflowError", "InvalidInput", "NotFound",
           "concurrent_guard"]


class NotFound(CopflowError):
    """Nothing of that kind has that key; `suggestion` is the closest key there is, when one is close."""

    def __init__(self, kind: str, key: str, *, suggestion: str | None = None) -> None:
        self.kind, self.key, self.suggestion = kind, key, suggestion
        hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
        super().__init__(f"no {kind} {key!r}{hint}", field=kind, value=key, cop=key if kind == "CoP" else None)


class AlreadyExists(CopflowError):
    def __init__(self, kind: str, key: str, *, cop: str | None = None, cop_name: str | None = None) -> None:
        self.kind, self.key = kind.replace(THE_COP, cop or ""), key
        super().__init__(f"{kind} {key!r} already exists", field=self.kind, value=key,
                         cop=key if kind == "CoP" else cop, cop_name=cop_name)


class InvalidInput(CopflowError):
    """A value refused: `field` names it, `problem` says why (as the command line says it: the CoP by its slug;
    `problem_words` as a page says it, by its name); `value` and `limit` when the caller has them."""

    def __init__(self, field: str, problem: str, *, cop: str | None = None, cop_name: str | None = None,
                 value: object = None, limit: object = None) -> None:
        super().__init__(f"{field}: {problem}", field=field, cop=cop, cop_name=cop_name, value=value, limit=limit)
        self.problem = problem.replace(THE_COP, cop or "the community")
        self.problem_words = problem.replace(THE_COP, cop_name or cop or "the community")


class ConcurrentChange(CopflowError):
    """Another writer changed the CoP between our read and our write; nothing of ours was written."""

    def __init__(self, slug: str, *, name: str | None = None) -> None:
        self.slug = slug
        super().__init__(f"{THE_COP} was changed by someone else at the same time; nothing was written, try again",
                         cop=slug, cop_name=name)


class CopClosed(CopflowError):
    def __init__(self, slug: str, *, name: str | None = None) -> None:
        self.slug = slug
        super().__init__(f"{THE_COP} is closed: its record is read-only", cop=slug, cop_name=name)


@contextmanager
def concurrent_guard(slug: str, name: str | None = None) -> Iterator[None]:
    """A lost race (the CoP's version moved on, or a unique row was taken) becomes one clear error."""
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm.exc import StaleDataError

    try:
        yield
    except (StaleDataError, IntegrityError):
        raise ConcurrentChange(slug, name=name) from None


def in_a_sentence(exc: CopflowError, nouns: dict[str, str]) -> str:
    """A refusal as a page shows it beside its field: in a person's words, naming the field when the service's
    problem starts with a verb ("is longer than 200 characters" → "The title is longer than 200 characters."),
    an address never capitalised ("The address x@y.org is not …"), one capitalised sentence with a full stop."""
    from notifications.vocabulary import plain

    if isinstance(exc, NotFound) and exc.kind == "person":
        return f"Nobody with the address {exc.key} is known here."
    text = plain(exc.problem_words if isinstance(exc, InvalidInput) else exc.words()).strip()
    first = text.split(" ", 1)[0]
    noun = nouns.get(exc.field or "", "")
    if noun and first in ("is", "are", "must", "has", "have", "needs", "cannot"):
        text = f"{noun} {text}"
    elif "@" in first:
        text = f"{noun or 'the address'} {text}"
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ")")) else f"{text}."
