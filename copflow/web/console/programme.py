"""The programme at a glance: the portfolio (/console) and each community's page (/console/cops/{slug})."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from copflow.services.errors import InvalidInput, NotFound, in_a_sentence
from copflow.services.people.find import find_people
from copflow.web.console.guard import Console, console_page, render
from copflow.web.console.views import (
    OD_MANAGER_MAY_GRANT,
    REVIEW_WITHIN_DAYS,
    PortfolioFilter,
    cop_page,
    portfolio_page,
)
from copflow.web.pages import not_found


def routes() -> list[Route]:
    return [Route("/console", console_page(portfolio), methods=["GET"]),
            Route("/console/cops/{slug}", console_page(community), methods=["GET"])]


async def portfolio(c: Console) -> Response:
    chosen = PortfolioFilter.of(dict(c.request.query_params))
    w = c.w
    view = await run_in_threadpool(lambda: portfolio_page(w.uow(), chosen, now=w.now(), policy=w.policy))
    return render(c, "portfolio.html.j2", {"v": view, "within": REVIEW_WITHIN_DAYS})


async def community(c: Console, *, notice: str = "", errors: dict[str, str] | None = None, status: int = 200,
                    typed: dict[str, str] | None = None) -> Response:
    """A community's page; after a write, its notice (or each refusal beside its field, what was typed kept)."""
    w, slug = c.w, c.request.path_params["slug"]
    if not notice and c.request.query_params.get("created"):
        notice = "Proposed: it is forming. Add its people below; what it still needs to form is listed."
    try:
        view = await run_in_threadpool(lambda: cop_page(w.uow, slug, now=w.now(), policy=w.policy))
    except NotFound:
        return not_found(c.request)
    errors = dict(errors or {})
    find = (c.request.query_params.get("find") or (typed or {}).get("find") or "")[:200]
    found = None
    if find.strip():
        try:
            found = await run_in_threadpool(lambda: find_people(w.uow(), find))
        except InvalidInput as exc:
            errors["find"] = in_a_sentence(exc, {"find": "The search"})
    return render(c, "cop.html.j2", {"v": view, "c": view.cop, "notice": notice, "errors": errors,
                                     "typed": typed or {}, "roles": OD_MANAGER_MAY_GRANT, "find": find,
                                     "found": found}, status)
