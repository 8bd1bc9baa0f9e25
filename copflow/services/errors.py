"""Errors of the services: a user's mistake, shown as one line by the CLI. Each carries its values.

All derive from `lifecycle.CopflowError`, the one root of every error a user can cause (re-exported here)."""

from __future__ import annotations

from lifecycle.errors import CopflowError

__all__ = ["AlreadyExists", "ConcurrentChange", "CopClosed", "CopflowError", "InvalidInput", "NotFound"]


class NotFound(CopflowError):
    def __init__(self, kind: str, key: str) -> None:
        self.kind, self.key = kind, key
        super().__init__(f"no {kind} {key!r}", field=kind, value=key, cop=key if kind == "CoP" else None)


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
