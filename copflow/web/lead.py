"""Pages reached by a lead's signed link: the evidence form of a gate, the CoP's page and its roster, and the
page of an expired link (which can mail a fresh one to the address it was made for)."""

from __future__ import annotations

from copy import copy

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from copflow.services.errors import CopflowError, InvalidInput, in_a_sentence
from copflow.services.links.signed import LinkNotFound
from copflow.web.after_write import after_gate, send_queued
from copflow.web.forms import control, payload, with_values
from copflow.web.granted import Granted, granted, lead_link
from copflow.web.pages import cached, not_found, page, read_form, web
from copflow.web.views.lead_pages import (
    GENERAL,
    EvidencePage,
    GatePassed,
    cop_page,
    evidence_page,
    invalid_by_field,
    send_fresh_link,
    submit_evidence,
)
from lifecycle import EVIDENCE_FIELDS, Gate, GateNotOpen, InvalidEvidence, Role, UnknownName, parse_gate
from lifecycle.grants import Acting, Actor, RosterChange, may
from notifications.vocabulary import gate_words, long_date, names, plain, role_words, stage_words

PURPOSE = {"e": ("evidence",), "c": ("cop", "evidence")}


def routes() -> list[Route]:
    return [
        Route("/e/{token}", evidence_by_link, methods=["GET", "POST"]),
        Route("/c/{token}", cop, methods=["GET"]),
        Route("/c/{token}/gate/{gate}", evidence_from_cop_page, methods=["GET", "POST"]),
        Route("/c/{token}/members", roster, methods=["POST"]),
        Route("/c/{token}/feed", new_feed_link, methods=["POST"]),
        Route("/c/{token}/attendance", attendance, methods=["POST"]),
        Route("/{kind:str}/{token}/renew", renew, methods=["POST"]),
    ]


def _links(g: Granted) -> dict[str, str]:
    base = f"/c/{g.token}" if g.grant.purpose == "cop" else f"/e/{g.token}"
    return {"cop_page": f"/c/{g.token}", "self": g.path, "renew": f"{base}/renew", "base": base}


@granted("e", lead_link(*PURPOSE["e"]))
async def evidence_by_link(g: Granted) -> Response:
    return await _evidence(g)


@granted("c", lead_link(*PURPOSE["c"]))
async def evidence_from_cop_page(g: Granted) -> Response:
    return await _evidence(g)


async def _evidence(g: Granted) -> Response:
    gate = g.request.path_params.get("gate")
    w = g.w

    def read() -> EvidencePage:
        return evidence_page(w.uow(), g.grant, gate, now=w.now(), policy=w.policy)

    try:
        if g.request.method == "GET":
            view = await cached(g.request, ("form", g.path), read)
            return _form(g, copy(view))
        body = payload(EVIDENCE_FIELDS[_posted_gate(g, gate)], g.form)
        done = await run_in_threadpool(lambda: submit_evidence(w.uow(), g.grant, gate, body, now=w.now(),
                                                               policy=w.policy, od_manager=w.settings.od_manager_email))
    except GatePassed as exc:
        return _form(g, exc.page, status=409, notice="This step is done: its evidence can no longer be changed from "
                                                    "this link.")
    except LinkNotFound:
        return not_found(g.request)
    except CopflowError as exc:  # nothing was written: the form as it stands, with what was typed and why not
        try:
            view = await run_in_threadpool(read)
        except CopflowError:
            return not_found(g.request)
        return _refused(g, view, exc)
    if done.result is not None:
        await after_gate(g.request, done.result)  # Prefect events, or the deliverer woken: the answer does not wait
        note = f"Recorded. {done.page.cop_name} has moved on to the {stage_words(done.advanced_to)} stage."
    else:
        note = "Recorded. " + ("The community moves on when the rest is done too." if done.still_needed else "")
    return _form(g, done.page, notice=note, still_needed=done.still_needed, saved=True)


def _posted_gate(g: Granted, gate: str | None) -> Gate:
    """The gate a form was posted for (an evidence link's own, or the one in a CoP page's path); the service checks
    again that the link may change it."""
    try:
        return parse_gate((g.grant.gate if g.grant.purpose == "evidence" else gate) or "")
    except UnknownName:
        raise LinkNotFound() from None


def _refused(g: Granted, view: EvidencePage, exc: CopflowError) -> Response:
    """A refused form, shown again with what was typed, each problem beside its field (read from the error)."""
    view.fields = with_values(view.fields, g.form)
    if isinstance(exc, InvalidEvidence):
        view.problems = invalid_by_field(exc)
        return _form(g, view, status=422, notice=NOTHING_RECORDED)
    if isinstance(exc, InvalidInput):
        view.problems = {exc.field if exc.field in {f.name for f in view.fields} else GENERAL: [exc.problem_words]}
        return _form(g, view, status=422, notice=NOTHING_RECORDED)
    if isinstance(exc, GateNotOpen):  # its turn has not come: say what comes first (what was typed stays)
        first = names([gate_words(x) for x in exc.expected])
        return _form(g, view, status=409, notice=f"Nothing was recorded: {first} comes first. Record "
                                                 f"{'it' if len(exc.expected) == 1 else 'them'}, then this.")
    return _form(g, view, status=409, notice=plain(exc.words()))  # the CoP by its name: the error carries both


NOTHING_RECORDED = "Nothing was recorded: please correct the fields marked below."


def _form(g: Granted, view: EvidencePage, *, status: int = 200, notice: str = "",
          still_needed: list[str] | None = None, saved: bool = False) -> Response:
    controls = [control(f) for f in view.fields]
    return page(g.request, "evidence.html.j2", {"refused": status >= 400,
        "v": view, "controls": controls, "labels": {c["name"]: c["label"] for c in controls},
        "problems": view.problems, "general": GENERAL,
        "notice": notice, "still_needed": still_needed or [], "saved": saved, "links": _links(g),
        "holder": g.grant.email}, status)


@granted("c", lead_link(*PURPOSE["c"]))
async def cop(g: Granted) -> Response:
    return await cop_page_response(g)


async def cop_page_response(g: Granted, *, notice: str = "", errors: dict[str, str] | None = None,
                            status: int = 200, feed_url: str | None = None, section: str = "",
                            typed: dict[str, str] | None = None) -> Response:
    """The CoP's page, with a write's notice shown in its `section` (the roster's, the action plan's) and what
    was typed in a refused form kept."""
    from copflow.web.views.action_pages import plan

    w = g.w
    try:
        data = await cached(g.request, ("cop", g.token),
                            lambda: cop_page(w.uow(), g.grant, now=w.now(), policy=w.policy))
        actions = await cached(g.request, ("plan", g.token),
                               lambda: plan(w.uow(), g.grant.cop_slug or "", now=w.now()))
    except CopflowError:
        return not_found(g.request)
    return page(g.request, "cop.html.j2", {"c": data, "links": _links(g), "notice": notice, "section": section,
                                           "plan": actions, "typed": typed or {},
                                           "errors": errors or {}, "holder": g.grant.email, "feed_url": feed_url,
                                           "roles": LEADS_MAY_GRANT}, status)


# The roster form offers what the table lets a lead give (the service checks it again: the menu is a courtesy).
LEADS_MAY_GRANT = tuple(r.value for r in (Role.CORE, Role.WIDER, Role.LEAD, Role.COORDINATOR, Role.MEMBER_SUPPORT,
                                          Role.INFORMATION_RESOURCES, Role.ONLINE_SPACE_ADMIN)
                        if may(Actor.LEAD_BY_LINK, RosterChange.GRANT, r))
ROSTER_NOUNS = {"email": "the address", "name": "the name", "role": "the role"}


@granted("c", lead_link(*PURPOSE["c"]))
async def roster(g: Granted) -> Response:
    """Add a member, or record that one left, under the same rules as `member add` / `member leave`."""
    from copflow.services.people.members import add_member
    from copflow.services.people.roster import end_membership

    w, form = g.w, g.form
    slug = g.grant.cop_slug or ""
    # The link's holder acts as a lead: the service refuses the roles only the OD manager sets (lifecycle.grants).
    acting = Acting(Actor.LEAD_BY_LINK, g.grant.email)
    leaving = form.get("action") == "leave"
    if leaving and not form.get("email", "").strip():
        return await cop_page_response(g, errors={"leave": "Choose who has left."}, notice="Nothing was changed.",
                                       status=422)
    try:
        if leaving:
            left = await run_in_threadpool(end_membership, w.uow(), slug=slug, email=form.get("email", ""),
                                           now=w.now(), policy=w.policy, acting=acting)
            message = (f"{form.get('email', '').strip()} has left the community "
                       f"({names([role_words(r) for r in left.roles])}).")
        else:
            # A newcomer named on the form becomes a person in the membership's own transaction: a refusal
            # leaves nothing behind.
            await run_in_threadpool(add_member, w.uow(), slug=slug, email=form.get("email", ""),
                                    role=form.get("role", ""), now=w.now(), policy=w.policy,
                                    name=form.get("name", ""), acting=acting)
            message = f"{form.get('email', '').strip()} is now a {role_words(form.get('role'))}."
    except CopflowError as exc:  # each refusal names its field (a role only the OD manager gives names "role")
        field = "leave" if leaving else exc.field if exc.field in ("email", "name", "role") else "email"
        return await cop_page_response(g, errors={field: in_a_sentence(exc, ROSTER_NOUNS)},
                                       notice="Nothing was changed.", status=422)
    await send_queued(g.request)  # its invitations or cancellations: the deliverer sends them
    return await cop_page_response(g, notice=message)


@granted("c", lead_link(*PURPOSE["c"]))
async def attendance(g: Granted) -> Response:
    """Record a held check-in's attendance as the lead confirmed it (the form came pre-ticked from the accepts)."""
    from datetime import date

    from copflow.services.meetings.attendance import confirm_attendance

    w, form = g.w, g.form
    who = tuple(a for a in form.get("attendee", "").split("\n") if a.strip())
    if not who:
        return await cop_page_response(g, errors={"attendance": "Tick who came."}, notice="Nothing was recorded.",
                                       status=422)
    try:
        held_on = date.fromisoformat(form.get("held_on", "")[:10])
        done = await run_in_threadpool(confirm_attendance, w.uow(), slug=g.grant.cop_slug or "",
                                       kind=form.get("kind", "")[:40], held_on=held_on, attendees=who,
                                       by=g.grant.email, now=w.now(), policy=w.policy)
    except ValueError:
        return not_found(g.request)
    except CopflowError as exc:
        return await cop_page_response(g, errors={"attendance": in_a_sentence(exc, {})},
                                       notice="Nothing was recorded.", status=422)
    return await cop_page_response(g, notice=f"{done.title} of {long_date(done.held_on)}: {done.attendees} "
                                             "attendee(s) recorded.")


@granted("c", lead_link(*PURPOSE["c"]))
async def new_feed_link(g: Granted) -> Response:
    from copflow.web.views.hub import issue_feed_link

    url = await run_in_threadpool(issue_feed_link, g.w.uow(), g.grant, now=g.w.now(), policy=g.w.policy)
    return await cop_page_response(g, feed_url=url,
                                   notice="Your private calendar feed is shown only once, here: subscribe to it in "
                                          "Outlook, Google or Apple Calendar, and do not share it.")


async def renew(request: Request) -> Response:
    """Mail a fresh link to the address the expired one was made for (never to an address typed here)."""
    w = web(request)
    if request.path_params["kind"] not in ("e", "c", "d", "a"):
        return not_found(request)
    await read_form(request)
    try:
        sent = await run_in_threadpool(send_fresh_link, w.uow(), request.path_params["token"], now=w.now(),
                                       policy=w.policy)
    except LinkNotFound:
        return not_found(request)
    if sent:
        await send_queued(request)
    return page(request, "renewed.html.j2", {"sent": sent})
