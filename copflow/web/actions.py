"""The action plan on the web: the leads add actions and mark them done, dropped or reopened from the CoP's page
(/c/<token>/actions); an owner does the same for their own actions from the link in their reminders
(/a/<token>). Every write is services/actions.py's, as the link's holder, "via web"."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from copflow.services.actions.plan import ActionView
from copflow.services.errors import CopflowError
from copflow.services.links.signed import Grant
from copflow.web.granted import Granted, granted, lead_link
from copflow.web.lead import PURPOSE, cop_page_response
from copflow.web.pages import Web, cached, not_found, page
from copflow.web.views.action_pages import (
    MAX_ID,
    STATUS_WORDS,
    ActionFormRefused,
    OwnerPage,
    add_from_form,
    change_from_form,
    move_from_form,
    owner_holder,
    owner_page,
)
from notifications.vocabulary import long_date


def _owner(w: Web, token: str) -> Grant:
    return owner_holder(w.uow(), token, now=w.now())


def routes() -> list[Route]:
    return [
        Route("/c/{token}/actions", add, methods=["POST"]),
        Route("/c/{token}/actions/{action:int}", change_as_lead, methods=["POST"]),
        Route("/a/{token}", owner, methods=["GET"]),
        Route("/a/{token}/{action:int}", change_as_owner, methods=["POST"]),
    ]


@granted("c", lead_link(*PURPOSE["c"]))
async def add(g: Granted) -> Response:
    try:
        a = await run_in_threadpool(lambda: add_from_form(g.w.uow, g.grant, g.form, now=g.w.now()))
    except ActionFormRefused as exc:
        return await cop_page_response(g, errors=exc.problems, notice="Nothing was added: please correct the "
                                       "fields marked below.", status=422, section="h-actions",
                                       typed={k: g.form.get(k, "") for k in ("title", "owner", "due", "target",
                                                                             "notes")})
    return await cop_page_response(g, notice=f"Added: {a.title}, for {a.owner_name}.{await _day_off(g, a)}",
                                   section="h-actions")


async def _day_off(g: Granted, a: ActionView) -> str:
    """The CLI's note (copflow/cli/actions.py) when a due date is not a working day: kept, but rarely meant."""
    from copflow.services.actions.due_days import day_off

    why = await run_in_threadpool(lambda: day_off(g.w.uow(), slug=a.cop_slug, day=a.due_on, policy=g.w.policy))
    return (f" Note: {long_date(a.due_on)} is not a working day ({why}); the action is due then all the same. "
            "To move it, give another date." if why else "")


@granted("c", lead_link(*PURPOSE["c"]))
async def change_as_lead(g: Granted) -> Response:
    return await _change(g, own_only=False)


@granted("a", _owner)
async def owner(g: Granted) -> Response:
    return await _owner_page(g)


@granted("a", _owner)
async def change_as_owner(g: Granted) -> Response:
    return await _change(g, own_only=True)


async def _change(g: Granted, *, own_only: bool) -> Response:
    """Done, dropped or reopened with a note: any action of the CoP for a lead, only their own for an owner
    (another is not found, as if it did not exist); the page it came from is shown again."""
    action_id = int(g.request.path_params["action"])
    if not 0 < action_id <= MAX_ID:  # no row has it: not found, as any other id (never a database overflow)
        return not_found(g.request)
    moving = own_only and g.form.get("status") == "moved"  # the owner's "it will not be done by then"
    try:
        if moving:
            a = await run_in_threadpool(lambda: move_from_form(g.w.uow, g.grant, action_id, g.form, now=g.w.now()))
        else:
            a = await run_in_threadpool(lambda: change_from_form(g.w.uow, g.grant, action_id, g.form,
                                                                 now=g.w.now(), own_only=own_only))
    except ActionFormRefused as exc:
        if own_only:
            return await _owner_page(g, errors=exc.problems, notice="Nothing was changed.", status=409)
        return await cop_page_response(g, errors=exc.problems, notice="Nothing was changed.", status=409,
                                       section="h-actions")
    except CopflowError:
        return not_found(g.request)
    done = f"{a.title}: {STATUS_WORDS[a.status]}."
    note = g.form.get("note", "").strip()
    if moving:
        return await _owner_page(g, notice=f"{a.title}: now due by {long_date(a.due_on)}. Your leads see the new "
                                           f"date and your note (below) on the plan.{await _day_off(g, a)}")
    if own_only:
        kept = f" Your note, kept with it: {note}{'' if note.endswith(('.', '!', '?')) else '.'}" if note else ""
        return await _owner_page(g, notice=f"{done} Your leads see it on the plan.{kept}")
    return await cop_page_response(g, notice=done, section="h-actions")


async def _owner_page(g: Granted, *, notice: str = "", errors: dict[str, str] | None = None,
                      status: int = 200) -> Response:
    w = g.w
    try:
        data: OwnerPage = await cached(g.request, ("actions", g.token),
                                       lambda: owner_page(w.uow(), g.grant, now=w.now()))
    except CopflowError:
        return not_found(g.request)
    return page(g.request, "actions.html.j2", {"p": data, "notice": notice, "errors": errors or {},
                                               "base": f"/a/{g.token}", "holder": g.grant.email}, status)
