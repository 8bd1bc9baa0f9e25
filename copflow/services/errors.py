"""Errors of the services: a user's mistake, shown as one line by the CLI. Each carries its values."""

from __future__ import annotations


class CopflowError(Exception):
    """Base of every error caused by input or state (not by a bug)."""


class NotFound(CopflowError):
    def __init__(self, kind: str, key: str) -> None:
        self.kind, self.key = kind, key
        super().__init__(f"no {kind} {key!r}")


class AlreadyExists(CopflowError):
    def __init__(self, kind: str, key: str) -> None:
        self.kind, self.key = kind, key
        super().__init__(f"{kind} {key!r} already exists")


class InvalidInput(CopflowError):
    def __init__(self, field: str, problem: str) -> None:
        self.field, self.problem = field, problem
        super().__init__(f"{field}: {problem}")


class ConcurrentChange(CopflowError):
    """Another writer changed the CoP between our read and our write; nothing of ours was written."""

    def __init__(self, slug: str) -> None:
        self.slug = slug
        super().__init__(f"{slug} was changed by someone else at the same time; nothing was written, try again")


class CopClosed(CopflowError):
    def __init__(self, slug: str) -> None:
        self.slug = slug
        super().__init__(f"{slug} is closed: its record is read-only")
