"""A community's roster from the console: add someone (a newcomer becomes a person in the same transaction) or
record that someone left, as `copflow member add` / `member leave` do, acting as the OD manager (every role)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from copflow.services.errors import CopflowError, NotFound, in_a_sentence
from copflow.web.after_write import send_queued
from copflow.web.console.guard import Console, console_page
from copflow.web.console.programme import community
from copflow.web.pages import not_found
from notifications.vocabulary import names, role_words

NOUNS = {"email": "the address", "name": "the name", "role": "the role"}


def routes() -> list[Route]:
    return [Route("/console/cops/{slug}/members", console_page(roster), methods=["POST"])]


async def roster(c: Console) -> Response:
    from copflow.services.people.members import add_member
    from copflow.services.people.roster import end_membership

    w, slug = c.w, c.request.path_params["slug"]
    leaving = c.form.get("action") == "leave"
    # Someone picked from a search (the people picker), or an address typed for someone not found.
    form = {**c.form, "email": c.form.get("pick") or c.form.get("email", "")} if not leaving else c.form
    typed = {k: c.form.get(k, "") for k in ("email", "name", "role", "pick", "find")} if not leaving else {}
    if leaving and not form.get("email", "").strip():
        return await community(c, errors={"leave": "Choose who has left."}, notice="Nothing was changed.", status=422)
    if not leaving and not form.get("email", "").strip():
        return await community(c, errors={"email": "Choose someone found, or type the address of someone new."},
                               notice="Nothing was changed.", status=422, typed=typed)
    if not leaving and not form.get("role"):
        return await community(c, errors={"role": "Choose the role."}, notice="Nothing was changed.", status=422,
                               typed=typed)
    try:
        if leaving:
            left = await run_in_threadpool(end_membership, w.uow(), slug=slug, email=form.get("email", ""),
                                           now=w.now(), policy=w.policy, acting=c.user.acting)
            notice = f"{form['email'].strip()} has left ({names([role_words(r) for r in left.roles])})."
        else:
            await run_in_threadpool(add_member, w.uow(), slug=slug, email=form.get("email", ""),
                                    role=form.get("role", ""), now=w.now(), policy=w.policy,
                                    name=form.get("name", ""), acting=c.user.acting)
            notice = f"{form.get('email', '').strip()} is now a {role_words(form.get('role'))}."
    except NotFound as exc:
        if exc.kind == "CoP":
            return not_found(c.request)
        return await community(c, errors={"leave" if leaving else "email": in_a_sentence(exc, NOUNS)},
                               notice="Nothing was changed.", status=422, typed=typed)
    except CopflowError as exc:
        field = "leave" if leaving else exc.field if exc.field in ("email", "name", "role") else "email"
        return await community(c, errors={field: in_a_sentence(exc, NOUNS)}, notice="Nothing was changed.",
                               status=422, typed=typed)
    await send_queued(c.request)  # its invitations or cancellations: the deliverer sends them
    return await community(c, notice=notice)
