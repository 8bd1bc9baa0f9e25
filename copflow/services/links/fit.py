"""Whether a link made by hand (`copflow links issue`) fits its purpose: the same rules the pages apply when the
link is opened (lead_pages.holder, decision_page.od_holder, action_pages.owner_holder), asked before the link is
made, so nobody is handed an evidence form for a decision, a decision form with no review, or a dead link."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copflow.db.models import Action, Cop, Person
from copflow.services.errors import CopClosed, InvalidInput
from copflow.services.snapshots import snapshot
from lifecycle import Gate, Role, Stage, check_recordable
from lifecycle.audiences import LEAD_ROLES
from lifecycle.due import AUTOMATED_GATES

# Who acts for a CoP by link: its leads and coordinator, and its OD-manager contact (or the configured OD manager).
ACTING_ROLES = frozenset({r.value for r in LEAD_ROLES} | {Role.OD_MANAGER_CONTACT.value})
# The review's decision is the OD manager's, on the decision form (/d/), never an evidence form.
_DECIDED_ON_THE_FORM = (Gate.REVIEW_PASSED, Gate.EVOLVE_DECIDED, Gate.CLOSE_DECIDED)


def check_fits(s: Session, cop: Cop, email: str, purpose: str, gate: Gate | None, *, od_manager: str | None) -> None:
    """Raise the one-line reason a `purpose` link for `email` in `cop` could not be used; return if it can."""
    if cop.stage == Stage.CLOSED.value:
        raise CopClosed(cop.slug)
    current = {m.person.email: m.role for m in cop.memberships if m.left_on is None}
    roles = {m.role for m in cop.memberships if m.left_on is None and m.person.email == email}
    is_od = bool(od_manager) and email == (od_manager or "").lower()
    if purpose == "evidence" and gate is not None:
        if gate in _DECIDED_ON_THE_FORM:
            raise InvalidInput("purpose", f"{gate.value} is decided on the OD manager's decision form: "
                                          "issue --purpose decision instead", cop=cop.slug)
        if gate in AUTOMATED_GATES:
            raise InvalidInput("gate", f"copflow passes {gate.value} itself: nobody records it by link",
                               cop=cop.slug)
        check_recordable(snapshot(s, cop, None), gate)
    if purpose in ("evidence", "cop") and not (roles & ACTING_ROLES or is_od):
        raise InvalidInput("email", f"{email} does not act for {cop.slug} (a lead, coordinator or OD manager "
                                    "does): their link would open nothing", cop=cop.slug, value=email)
    if purpose == "decision":
        if cop.stage != Stage.REVIEWING.value:
            raise InvalidInput("purpose", f"{cop.slug} is not under review: there is nothing to decide",
                               cop=cop.slug)
        if Role.OD_MANAGER_CONTACT.value not in roles and not is_od:
            raise InvalidInput("email", f"{email} is not the OD manager of {cop.slug}: only they decide its review",
                               cop=cop.slug, value=email)
    if purpose == "actions":
        owned = s.scalar(select(func.count()).select_from(Action).join(Person, Person.id == Action.owner_id)
                         .where(Action.cop_id == cop.id, Person.email == email)) or 0
        if email not in current or not owned:
            raise InvalidInput("email", f"{email} owns no action in {cop.slug}: an actions link lists its holder's "
                                        "own actions", cop=cop.slug, value=email)
