"""Pages reached by a lead's signed link: the evidence form of a gate, the CoP's page and its roster, and the
page of an expired link (which can mail a fresh one to the address it was made for)."""

from __future__ import annotations

from copy import copy
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from copflow.services.errors import CopflowError, InvalidInput
from copflow.services.lead_pages import (
    GENERAL,
    EvidencePage,
    GatePassed,
    cop_page,
    evidence_page,
    holder,
    invalid_by_field,
    send_fresh_link,
    submit_evidence,
)
from copflow.services.links import Grant, LinkExpired, LinkNotFound
from copflow.web.app import cached, not_found, page, read_form, trusted_user, web
from copflow.web.forms import control, payload, with_values
from lifecycle import InvalidEvidence, LifecycleError

PURPOSE = {"e": ("evidence",), "c": ("cop", "evidence")}


def routes() -> list[Route]:
    return [
        Route("/e/{token}", evidence, methods=["GET", "POST"]),
        Route("/c/{token}", cop, methods=["GET"]),
        Route("/c/{token}/gate/{gate}", evidence, methods=["GET", "POST"]),
        Route("/c/{token}/members", roster, methods=["POST"]),
        Route("/c/{token}/feed", feed_link, methods=["POST"]),
        Route("/{kind:str}/{token}/renew", renew, methods=["POST"]),
    ]


def _grant(request: Request, kind: str) -> Grant:
    w = web(request)
    g = holder(w.uow(), request.path_params["token"], now=w.now(), purposes=PURPOSE[kind],
               od_manager=w.settings.od_manager_email)
    _check_sso(request, g)
    return g


def _check_sso(request: Request, grant: Grant) -> None:
    user = trusted_user(request)
    if user is not None and user != grant.email:  # behind SSO: a forwarded link does not work for someone else
        raise LinkNotFound()


def _form_view(request: Request, kind: str, gate: str | None) -> tuple[Grant, EvidencePage]:
    w = web(request)
    grant = _grant(request, kind)
    return grant, evidence_page(w.uow(), grant, gate, now=w.now(), policy=w.policy)


def _links(request: Request, grant: Grant) -> dict[str, str]:
    token = request.path_params["token"]
    base = f"/c/{token}" if grant.purpose == "cop" else f"/e/{token}"
    return {"cop_page": f"/c/{token}", "self": request.url.path, "renew": f"{base}/renew", "base": base}


async def evidence(request: Request) -> Response:
    kind = "c" if request.url.path.startswith("/c/") else "e"
    gate = request.path_params.get("gate")
    w = web(request)
    try:
        if request.method == "GET":
            grant, view = await cached(request, ("form", request.url.path),
                                       lambda: _form_view(request, kind, gate))
            _check_sso(request, grant)
            return _form(request, grant, copy(view), cache_key=request.url.path)
        grant, view = await run_in_threadpool(_form_view, request, kind, gate)
        _check_sso(request, grant)
    except LinkExpired:
        return page(request, "expired.html.j2", {"renew": f"/{kind}/{request.path_params['token']}/renew"}, 410)
    except (LinkNotFound, CopflowError):
        return not_found(request)
    form = await read_form(request)
    body = payload(view.fields, form)
    try:
        done = await run_in_threadpool(submit_evidence, w.uow, grant, gate, body, now=w.now(), policy=w.policy)
    except GatePassed as exc:
        return _form(request, grant, exc.page, status=409, notice="This gate is passed: its evidence can no longer "
                                                                  "be changed from this link.")
    except InvalidEvidence as exc:
        view.fields = with_values(view.fields, form)
        view.problems = invalid_by_field(exc)
        return _form(request, grant, view, status=422, notice="Nothing was recorded: please correct the fields "
                                                              "marked below.")
    except InvalidInput as exc:
        view.fields = with_values(view.fields, form)
        view.problems = {exc.field if exc.field in {f.name for f in view.fields} else GENERAL: [exc.problem]}
        return _form(request, grant, view, status=422, notice="Nothing was recorded: please correct the fields "
                                                              "marked below.")
    except CopflowError as exc:
        return _form(request, grant, view, status=409, notice=str(exc))
    if done.result is not None:
        from copflow.cli.running import after_gate

        await run_in_threadpool(after_gate, done.result)  # Prefect events, or the mail sent now (as the CLI)
        note = f"Recorded. {done.page.cop_name} has moved on to {done.advanced_to}."
    else:
        note = "Recorded. " + ("The community moves on when the rest is done too." if done.still_needed else "")
    return _form(request, grant, done.page, notice=note, still_needed=done.still_needed, saved=True)


def _form(request: Request, grant: Grant, view: EvidencePage, *, status: int = 200, notice: str = "",
          still_needed: list[str] | None = None, saved: bool = False, cache_key: str | None = None) -> Response:
    controls = [control(f) for f in view.fields]
    return page(request, "evidence.html.j2", {
        "v": view, "controls": controls, "labels": {c["name"]: c["label"] for c in controls},
        "problems": view.problems, "general": GENERAL,
        "notice": notice, "still_needed": still_needed or [], "saved": saved, "links": _links(request, grant),
        "holder": grant.email}, status, cache_key=cache_key)


async def cop(request: Request, *, notice: str = "", errors: dict[str, str] | None = None,
              status: int = 200, feed_url: str | None = None) -> Response:
    w = web(request)

    def read() -> tuple[Grant, dict[str, Any]]:
        grant = _grant(request, "c")
        return grant, cop_page(w.uow(), grant, now=w.now(), policy=w.policy)

    try:
        grant, data = await cached(request, ("cop", request.path_params["token"]), read)
        _check_sso(request, grant)
    except LinkExpired:
        return page(request, "expired.html.j2", {"renew": f"/c/{request.path_params['token']}/renew"}, 410)
    except (LinkNotFound, CopflowError):
        return not_found(request)
    return page(request, "cop.html.j2", {"c": data, "links": _links(request, grant), "notice": notice,
                                         "errors": errors or {}, "holder": grant.email, "feed_url": feed_url,
                                         "roles": ("core", "wider", "lead", "coordinator", "member_support",
                                                   "information_resources", "online_space_admin")}, status,
                cache_key=None if notice or errors or feed_url else request.url.path)


async def roster(request: Request) -> Response:
    """Add a member, or record that one left, under the same rules as `member add` / `member leave`."""
    from copflow.services.people import add_member
    from copflow.services.roster import end_membership

    w = web(request)
    try:
        grant = await run_in_threadpool(_grant, request, "c")
    except (LinkNotFound, LinkExpired, CopflowError):
        return not_found(request)
    form = await read_form(request)
    slug = grant.cop_slug or ""
    try:
        if form.get("action") == "leave":
            left = await run_in_threadpool(end_membership, w.uow(), slug=slug, email=form.get("email", ""),
                                           now=w.now(), policy=w.policy)
            message = f"{form.get('email', '').strip()} has left the community ({', '.join(left.roles)})."
        else:
            # A newcomer named on the form becomes a person in the membership's own transaction: a refusal
            # leaves nothing behind.
            await run_in_threadpool(add_member, w.uow(), slug=slug, email=form.get("email", ""),
                                    role=form.get("role", ""), now=w.now(), policy=w.policy,
                                    name=form.get("name", ""))
            message = f"{form.get('email', '').strip()} is now {form.get('role')}."
    except (CopflowError, LifecycleError) as exc:
        field = getattr(exc, "field", None) or ("role" if "role" in str(exc) else "email")
        field = field if field in ("email", "name", "role") else "email"
        return await cop(request, errors={field: str(exc)}, notice="Nothing was changed.", status=422)
    from copflow.cli.running import deliver_now

    await run_in_threadpool(deliver_now)  # invitations or cancellations the change queued, as the CLI sends them
    return await cop(request, notice=message)


async def feed_link(request: Request) -> Response:
    from copflow.services.hub import feed_link as make

    w = web(request)
    try:
        grant = await run_in_threadpool(_grant, request, "c")
    except (LinkNotFound, LinkExpired, CopflowError):
        return not_found(request)
    await read_form(request)
    url = await run_in_threadpool(make, w.uow(), grant, now=w.now(), policy=w.policy)
    return await cop(request, feed_url=url, notice="Your private calendar feed is below; it is shown only once.")


async def renew(request: Request) -> Response:
    """Mail a fresh link to the address the expired one was made for (never to an address typed here)."""
    w = web(request)
    if request.path_params["kind"] not in ("e", "c"):
        return not_found(request)
    await read_form(request)
    try:
        sent = await run_in_threadpool(send_fresh_link, w.uow(), request.path_params["token"], now=w.now(),
                                       policy=w.policy)
    except LinkNotFound:
        return not_found(request)
    if sent:
        from copflow.cli.running import deliver_now

        await run_in_threadpool(deliver_now)
    return page(request, "renewed.html.j2", {"sent": sent})
