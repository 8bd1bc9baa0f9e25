"""Errors of the lifecycle core. Each carries its values, so callers can show or test them precisely."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unmet:
    """One requirement a gate or a piece of evidence does not meet: a stable code and a human message, and the
    values a page needs to show it beside its field without reading the message: the evidence `field` it is
    about, the `problem` in words that need no field or gate name before them ("no launch date"), and the
    `value` refused and the `limit` it broke (ISO dates for dates)."""

    code: str
    message: str
    field: str | None = None
    problem: str | None = None
    value: str | None = None
    limit: str | None = None

    def __str__(self) -> str:
        return self.message

    @property
    def words(self) -> str:
        """What is wrong, said beside its field: the problem, else the whole message."""
        return self.problem or self.message


# Where a message names the CoP. The mark stays in the message until it is said: the command line says the CoP's
# slug, a page its name (an error carries both), so nothing rewrites the words around it (a CoP called `it`).
THE_COP = "\x1f"


class CopflowError(Exception):
    """The root of every error a user can cause (a bad value, a gate out of order, a missing CoP): never a bug.

    It lives here, in the lowest layer, so the core's errors and the application's derive from one class: the
    command line shows any of them as one line and an exit code (`copflow.cli.main.EXIT_CODES`), a flow asks
    for another answer. Each carries the values its message names, for callers and tests to read instead of
    parsing the message: the CoP's slug, the gate, the field (or option), the value refused, the limit broken.
    """

    def __init__(self, message: str, *, cop: str | None = None, cop_name: str | None = None, gate: str | None = None,
                 field: str | None = None, value: object = None, limit: object = None) -> None:
        super().__init__(message.replace(THE_COP, cop or "the community"))
        self.said = message
        self.cop, self.cop_name, self.gate, self.field = cop, cop_name, gate, field
        self.value, self.limit = value, limit

    def words(self) -> str:
        """The message as a page says it: the CoP by its name (`cop_name`), where the command line gives its slug."""
        return self.said.replace(THE_COP, self.cop_name or self.cop or "the community")


class LifecycleError(CopflowError):
    """Base of every error the lifecycle core raises; all of them are a user's mistake, not a bug."""


class TransitionRefused(LifecycleError):
    """A transition was asked for but gates are unmet; `unmet` lists every missing piece, not the first."""

    def __init__(self, slug: str, stage: str, target: str | None, unmet: list[Unmet]) -> None:
        self.slug = slug
        self.stage = stage
        self.target = target
        self.unmet = list(unmet)
        where = f"{stage} → {target}" if target else f"leave {stage}"
        super().__init__(f"{slug}: cannot {where}: " + "; ".join(u.message for u in self.unmet), cop=slug,
                         value=target)


class InvalidEvidence(LifecycleError):
    """Evidence for a gate is malformed or implausible (e.g. dated in the future)."""

    def __init__(self, gate: str, problems: list[Unmet]) -> None:
        self.gate = gate
        self.problems = list(problems)
        super().__init__(f"evidence for {gate} is not valid: " + "; ".join(p.message for p in self.problems),
                         gate=gate)


class GateNotOpen(LifecycleError):
    """Evidence was offered for a gate that does not belong to the CoP's current stage (gates out of order)."""

    def __init__(self, slug: str, gate: str, stage: str, expected: tuple[str, ...]) -> None:
        self.slug = slug
        self.gate = gate
        self.stage = stage
        self.expected = expected
        open_ = ", ".join(expected) if expected else "none"
        super().__init__(f"{slug} is in stage {stage}: gate {gate} is not open (open gates: {open_})", cop=slug,
                         gate=gate)


class UnknownName(LifecycleError):
    """A stage, gate or role name that the lifecycle does not know."""

    def __init__(self, kind: str, name: str, known: tuple[str, ...]) -> None:
        self.kind = kind
        self.name = name
        self.known = known
        super().__init__(f"unknown {kind} {name!r} (expected one of: {', '.join(known)})", field=kind, value=name)


class PolicyError(LifecycleError):
    """The policy file has a bad or unknown setting."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"policy {source}: {problem}", field=source)
