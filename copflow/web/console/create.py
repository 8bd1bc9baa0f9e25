"""Proposing a community from the console (/console/cops/new), as `copflow cop create` does: it starts forming,
and its page then takes the roster, showing the formation criteria (the core group's gate) as they are met."""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from copflow.services.errors import CopflowError, in_a_sentence
from copflow.web.console.guard import Console, console_page, render

FIELDS = ("name", "slug", "domain", "timezone", "place")
NOUNS = {"name": "the name", "slug": "the short name", "domain": "the domain", "timezone": "the time zone",
         "place": "the meeting place", "CoP": "the short name"}


def routes() -> list[Route]:
    return [Route("/console/cops/new", console_page(new_cop), methods=["GET", "POST"])]


def slug_of(name: str) -> str:
    """A short name from the community's name ("Data & Insight" → data-insight), when none is typed."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80].strip("-")


async def new_cop(c: Console) -> Response:
    from copflow.services.cops import propose_cop

    if c.request.method == "GET":
        return _page(c, {}, {})
    w, form = c.w, {k: c.form.get(k, "").strip() for k in FIELDS}
    slug = form["slug"] or slug_of(form["name"])
    if not form["name"]:
        return _page(c, form, {"name": "Give the community's name."}, status=422)
    try:
        await run_in_threadpool(lambda: propose_cop(w.uow(), slug=slug, name=form["name"], now=w.now(),
                                                    policy=w.policy, timezone=form["timezone"] or None,
                                                    domain=form["domain"] or None, place=form["place"] or None))
    except CopflowError as exc:
        field = {"CoP": "slug"}.get(exc.field or "", exc.field or "name")
        return _page(c, form, {field if field in FIELDS else "name": in_a_sentence(exc, NOUNS)}, status=422)
    return RedirectResponse(f"/console/cops/{slug}?created=1", status_code=303)


def _page(c: Console, typed: dict[str, str], errors: dict[str, str], status: int = 200) -> Response:
    return render(c, "new_cop.html.j2", {"typed": typed, "errors": errors,
                                         "zone": c.w.policy.timezone}, status)
