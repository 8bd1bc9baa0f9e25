"""Errors of the lifecycle core. Each carries its values, so callers can show or test them precisely."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unmet:
    """One requirement a gate or a piece of evidence does not meet: a stable code and a human message."""

    code: str
    message: str

    def __str__(self) -> str:
        return self.message


class LifecycleError(Exception):
    """Base of every error the lifecycle core raises; all of them are a user's mistake, not a bug."""


class TransitionRefused(LifecycleError):
    """A transition was asked for but gates are unmet; `unmet` lists every missing piece, not the first."""

    def __init__(self, slug: str, stage: str, target: str | None, unmet: list[Unmet]) -> None:
        self.slug = slug
        self.stage = stage
        self.target = target
        self.unmet = list(unmet)
        where = f"{stage} → {target}" if target else f"leave {stage}"
        super().__init__(f"{slug}: cannot {where}: " + "; ".join(u.message for u in self.unmet))


class InvalidEvidence(LifecycleError):
    """Evidence for a gate is malformed or implausible (e.g. dated in the future)."""

    def __init__(self, gate: str, problems: list[Unmet]) -> None:
        self.gate = gate
        self.problems = list(problems)
        super().__init__(f"evidence for {gate} is not valid: " + "; ".join(p.message for p in self.problems))


class GateNotOpen(LifecycleError):
    """Evidence was offered for a gate that does not belong to the CoP's current stage (gates out of order)."""

    def __init__(self, slug: str, gate: str, stage: str, expected: tuple[str, ...]) -> None:
        self.slug = slug
        self.gate = gate
        self.stage = stage
        self.expected = expected
        open_ = ", ".join(expected) if expected else "none"
        super().__init__(f"{slug} is in stage {stage}: gate {gate} is not open (open gates: {open_})")


class UnknownName(LifecycleError):
    """A stage, gate or role name that the lifecycle does not know."""

    def __init__(self, kind: str, name: str, known: tuple[str, ...]) -> None:
        self.kind = kind
        self.name = name
        self.known = known
        super().__init__(f"unknown {kind} {name!r} (expected one of: {', '.join(known)})")


class PolicyError(LifecycleError):
    """The policy file has a bad or unknown setting."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"policy {source}: {problem}")
