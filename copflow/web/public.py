"""Pages for everyone in the organisation: the CoP hub, the join request, and the calendar feeds."""

from __future__ import annotations

from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from copflow.services.errors import CopflowError, InvalidInput, NotFound
from copflow.services.links.signed import LinkExpired, LinkNotFound, resolve
from copflow.web.after_write import send_queued
from copflow.web.pages import cached, not_found, page, read_form, trusted_user, web
from copflow.web.views.feeds import Feed, FeedGone, cop_feed, person_feed
from copflow.web.views.hub import JoinRefused, hub, request_to_join


def routes() -> list[Route]:
    return [
        Route("/", hub_page, methods=["GET"]),
        Route("/join/{slug}", join, methods=["GET", "POST"]),
        Route("/feeds/{slug}.ics", public_feed, methods=["GET", "HEAD"]),
        Route("/f/{token}.ics", private_feed, methods=["GET", "HEAD"]),
    ]


def _webcal(request: Request, path: str) -> str:
    base = web(request).settings.web_url
    return "webcal://" + base.split("://", 1)[1] + path


async def hub_page(request: Request) -> Response:
    w = web(request)
    cops = await cached(request, "hub", lambda: hub(w.uow(), now=w.now()))
    return page(request, "hub.html.j2", {"cops": cops, "webcal": _webcal(request, "/feeds/")}, formless="/")


async def join(request: Request) -> Response:
    """The join form of one CoP; sending it mails the CoP's leads (who add the person to the roster)."""
    w = web(request)
    slug = request.path_params["slug"]
    cops = {c["slug"]: c for c in await cached(request, "hub", lambda: hub(w.uow(), now=w.now()))}
    if slug not in cops:
        return not_found(request)
    user = trusted_user(request)
    form_values = {"name": "", "email": user or "", "message": ""}
    context: dict[str, Any] = {"c": cops[slug], "errors": {}, "form": form_values, "sent": False}
    if request.method == "GET":
        return page(request, "join.html.j2", context)
    form = await read_form(request)
    form_values.update(name=form.get("name", ""), email=user or form.get("email", ""),
                       message=form.get("message", ""))
    try:
        await run_in_threadpool(request_to_join, w.uow(), slug=slug, name=form_values["name"],
                                email=form_values["email"], message=form_values["message"], now=w.now(),
                                policy=w.policy)
    except JoinRefused as exc:
        context["errors"] = exc.problems
        return page(request, "join.html.j2", context, 422)
    except InvalidInput as exc:
        context["errors"] = {exc.field: exc.problem_words}
        return page(request, "join.html.j2", context, 422)
    except CopflowError as exc:
        context["errors"] = {"name": exc.words()}  # the CoP by its name
        return page(request, "join.html.j2", context, 422)
    await send_queued(request)
    context["sent"] = True
    return page(request, "join.html.j2", context)


def _ics(request: Request, feed: Feed) -> Response:
    """The feed, or 304 when the client's copy is current: by tag when it sends one (RFC 9110: If-None-Match wins),
    else by date. Last-Modified is the newest change in the feed, so either way a change answers 200."""
    headers = {"ETag": feed.etag, "Last-Modified": format_datetime(feed.last_modified, usegmt=True),
               "Cache-Control": "private, max-age=300" if request.url.path.startswith("/f/") else "max-age=300"}
    tags = request.headers.get("if-none-match")
    if tags is not None:
        if tags.strip() == "*" or feed.etag in {t.strip().removeprefix("W/") for t in tags.split(",")}:
            return Response(status_code=304, headers=headers)
    elif since := request.headers.get("if-modified-since"):
        try:
            if feed.last_modified <= parsedate_to_datetime(since):
                return Response(status_code=304, headers=headers)
        except (TypeError, ValueError):
            pass
    body = b"" if request.method == "HEAD" else feed.text.encode("utf-8")
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


GONE = "This community has closed: its calendar is no longer published. Remove the subscription.\n"


async def public_feed(request: Request) -> Response:
    w = web(request)
    try:
        slug = request.path_params["slug"]
        feed = await cached(request, ("feed", slug),
                            lambda: cop_feed(w.uow(), slug=slug, now=w.now(), policy=w.policy))
    except FeedGone:  # 410, not 404: a calendar client drops a subscription that is gone
        return Response(GONE, status_code=410, media_type="text/plain; charset=utf-8")
    except NotFound:
        return not_found(request)
    return _ics(request, feed)


async def private_feed(request: Request) -> Response:
    w = web(request)
    try:
        grant = await run_in_threadpool(resolve, w.uow(), request.path_params["token"], now=w.now(),
                                        purpose="feed")
        feed = await run_in_threadpool(lambda: person_feed(w.uow(), grant, now=w.now(), policy=w.policy))
    except (LinkNotFound, LinkExpired):
        return not_found(request)
    return _ics(request, feed)
