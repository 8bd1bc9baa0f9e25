"""The pure lifecycle core of copflow: standard library only, no clock, no database, no environment.

Give it a CopSnapshot and a date; it answers which transition is allowed (or every unmet requirement),
which gates are due and which reminders are owed.
"""

from lifecycle.audiences import Audience
from lifecycle.decide import Decision, check_recordable, decide, ways_out
from lifecycle.due import DueGate, Notice, due_gates, notices_due, review_is_due
from lifecycle.effects import Effect, after, effects_of
from lifecycle.errors import (
    CopflowError,
    GateNotOpen,
    InvalidEvidence,
    LifecycleError,
    PolicyError,
    TransitionRefused,
    UnknownName,
    Unmet,
)
from lifecycle.events import Emit, Event, EventPayload
from lifecycle.evidence import EVIDENCE_FIELDS, parse_target, validate_evidence
from lifecycle.gates import check_gate
from lifecycle.policy import Policy, load_policy
from lifecycle.review_dates import next_review_on
from lifecycle.snapshot import CharterView, CopSnapshot, MemberView
from lifecycle.stages import GATE_TITLES, STAGE_TITLES, Gate, Role, Stage, parse_gate, parse_role, parse_stage
from lifecycle.table import TRANSITIONS, Transition, mermaid, open_gates, transitions_from

__all__ = [
    "EVIDENCE_FIELDS", "GATE_TITLES", "STAGE_TITLES", "TRANSITIONS", "Audience", "CharterView", "CopSnapshot",
    "CopflowError", "Decision", "DueGate", "Effect", "Emit", "Event", "EventPayload", "Gate", "GateNotOpen",
    "InvalidEvidence", "LifecycleError",
    "MemberView", "Notice", "Policy", "PolicyError", "Role", "Stage", "Transition", "TransitionRefused",
    "UnknownName", "Unmet", "after", "check_gate", "check_recordable", "decide", "due_gates", "effects_of",
    "load_policy", "mermaid", "next_review_on", "notices_due", "open_gates", "parse_gate", "parse_role",
    "parse_stage", "parse_target", "review_is_due", "transitions_from", "validate_evidence", "ways_out",
]
