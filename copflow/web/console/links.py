"""Signed links from the console (/console/links): revoke every live link of a community and/or an address, or
make one by hand and see it once (as `copflow links revoke` and `links issue`)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from copflow.services.errors import CopflowError, in_a_sentence
from copflow.web.console.guard import Console, console_page, render
from lifecycle import Gate

PURPOSES = (("cop", "the community's page"), ("evidence", "one gate's form"), ("decision", "the review's decision"),
            ("actions", "an owner's own actions"))
NOUNS = {"email": "the address", "person": "the address", "CoP": "the community", "links": "the form"}


def routes() -> list[Route]:
    return [Route("/console/links", console_page(links), methods=["GET"]),
            Route("/console/links/revoke", console_page(revoke), methods=["POST"]),
            Route("/console/links/issue", console_page(issue), methods=["POST"])]


async def links(c: Console, *, notice: str = "", made: str = "", error: str = "", status: int = 200) -> Response:
    from copflow.services.cops import list_cops

    cops = await run_in_threadpool(lambda: list_cops(c.w.uow()))
    typed = {k: c.form.get(k, c.request.query_params.get(k, "")) for k in ("cop", "email", "purpose", "gate")}
    return render(c, "links.html.j2", {"cops": [(x.slug, x.name) for x in cops], "typed": typed, "notice": notice,
                                       "made": made, "error": error, "purposes": PURPOSES,
                                       "gates": [g.value for g in Gate]}, status)


async def revoke(c: Console) -> Response:
    from copflow.services.links.signed import revoke as revoke_links

    w = c.w
    cop, email = c.form.get("cop", "").strip() or None, c.form.get("email", "").strip() or None
    if not cop and not email:
        return await links(c, error="Choose a community or give an address: whose links to revoke.", status=422)
    try:
        n = await run_in_threadpool(lambda: revoke_links(w.uow(), now=w.now(), slug=cop, email=email))
    except CopflowError as exc:
        return await links(c, error=in_a_sentence(exc, NOUNS), status=422)
    return await links(c, notice=f"{n} link{'' if n == 1 else 's'} revoked: they now show 'not found'.")


async def issue(c: Console) -> Response:
    from copflow.services.links.signed import issue as issue_link

    w, f = c.w, c.form
    try:
        url = await run_in_threadpool(lambda: issue_link(
            w.uow(), slug=f.get("cop") or None, email=f.get("email", ""), purpose=f.get("purpose", "cop"),
            gate=f.get("gate") or None, now=w.now(), policy=w.policy, web_url=w.settings.web_url))
    except CopflowError as exc:
        return await links(c, error=in_a_sentence(exc, NOUNS), status=422)
    return await links(c, made=url, notice="Here is the link, shown once: send it to that person yourself.")
