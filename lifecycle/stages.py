"""Stages of a CoP's life, gates that let it move on, and roles people hold in it."""

from __future__ import annotations

from enum import StrEnum

from lifecycle.errors import UnknownName


class Stage(StrEnum):
    FORMING = "forming"
    PLANNING = "planning"
    LAUNCHING = "launching"
    ACTIVE = "active"
    REVIEWING = "reviewing"
    CLOSING = "closing"
    CLOSED = "closed"


class Gate(StrEnum):
    CORE_GROUP_FORMED = "core_group_formed"
    SPONSOR_MEETING_DONE = "sponsor_meeting_done"
    CHARTER_PUBLISHED = "charter_published"
    LAUNCH_HELD = "launch_held"
    REVIEW_DUE = "review_due"
    REVIEW_PASSED = "review_passed"
    EVOLVE_DECIDED = "evolve_decided"
    CLOSE_DECIDED = "close_decided"
    ARCHIVE_VERIFIED = "archive_verified"


class Role(StrEnum):
    LEAD = "lead"
    COORDINATOR = "coordinator"
    CORE = "core"
    WIDER = "wider"
    SPONSOR = "sponsor"
    MEMBER_SUPPORT = "member_support"
    INFORMATION_RESOURCES = "information_resources"
    ONLINE_SPACE_ADMIN = "online_space_admin"
    OD_MANAGER_CONTACT = "od_manager_contact"


# The stage as people read it, in mails, on the web and in the CLI's tables: one word everywhere (the machine
# value stays in --json and the database).
STAGE_TITLES: dict[Stage, str] = {
    Stage.FORMING: "forming", Stage.PLANNING: "planning", Stage.LAUNCHING: "launching", Stage.ACTIVE: "active",
    Stage.REVIEWING: "review", Stage.CLOSING: "closing", Stage.CLOSED: "closed",
}

GATE_TITLES: dict[Gate, str] = {
    Gate.CORE_GROUP_FORMED: "core group formed",
    Gate.SPONSOR_MEETING_DONE: "sponsor meeting done",
    Gate.CHARTER_PUBLISHED: "charter published",
    Gate.LAUNCH_HELD: "launch held",
    Gate.REVIEW_DUE: "review due",
    Gate.REVIEW_PASSED: "review passed",
    Gate.EVOLVE_DECIDED: "decision: evolve",
    Gate.CLOSE_DECIDED: "decision: close",
    Gate.ARCHIVE_VERIFIED: "archive verified",
}


def parse_stage(name: str) -> Stage:
    """A stage by its machine value or by the word people read ("review" for reviewing)."""
    key = name.strip().lower()
    for stage, title in STAGE_TITLES.items():
        if key in (stage.value, title):
            return stage
    try:
        return Stage(key)
    except ValueError:
        raise UnknownName("stage", name, tuple(s.value for s in Stage)) from None


def parse_gate(name: str) -> Gate:
    try:
        return Gate(name.strip().lower().replace("-", "_"))
    except ValueError:
        raise UnknownName("gate", name, tuple(g.value for g in Gate)) from None


def parse_role(name: str) -> Role:
    try:
        return Role(name.strip().lower().replace("-", "_"))
    except ValueError:
        raise UnknownName("role", name, tuple(r.value for r in Role)) from None
