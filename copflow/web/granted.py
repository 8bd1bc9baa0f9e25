"""The one preamble of every page behind a signed link: resolve the grant from the token (the same 404 for an
unknown, revoked or other-CoP token, the expired page for an expired one), check the SSO user when a proxy names
one, and for a POST read the form after its CSRF check. Handlers receive a `Granted` and do only their own work.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from copflow.services.errors import CopflowError
from copflow.services.links.signed import Grant, LinkExpired, LinkNotFound, lead_holder
from copflow.web.pages import Web, cached, not_found, page, read_form, trusted_user, web

# Which valid link a page accepts, and whether its holder may still use it (a lead, the OD manager, an owner).
Resolver = Callable[[Web, str], Grant]


def lead_link(*purposes: str) -> Resolver:
    """A lead's link of one of these purposes ("evidence", "cop"), held by someone who still acts for the CoP."""

    def resolve(w: Web, token: str) -> Grant:
        return lead_holder(w.uow(), token, now=w.now(), purposes=purposes, od_manager=w.settings.od_manager_email)

    return resolve


@dataclass(frozen=True)
class Granted:
    """A request whose link is valid for its page: who holds it, and the posted form (empty for a GET)."""

    request: Request
    w: Web
    grant: Grant
    token: str
    form: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.request.url.path


def check_sso(request: Request, grant: Grant) -> None:
    user = trusted_user(request)
    if user is not None and user != grant.email:  # behind SSO: a forwarded link does not work for someone else
        raise LinkNotFound()


def expired_page(request: Request, prefix: str) -> Response:
    return page(request, "expired.html.j2", {"renew": f"/{prefix}/{request.path_params['token']}/renew"}, 410)


def granted(prefix: str, resolve: Resolver, *, upload: bool = False,
            ) -> Callable[[Callable[[Granted], Awaitable[Response]]], Callable[[Request], Awaitable[Response]]]:
    """Decorate a handler of the pages under /<prefix>/{token}. A GET's grant is kept for the view cache's window
    (a reload costs no lookup); a POST always looks the link up again. An `upload` handler reads its own form
    (copflow/web/multipart.py), as strictly, once the link is known to be good."""

    def wrap(handler: Callable[[Granted], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            w = web(request)
            token = request.path_params["token"]
            try:
                if request.method == "GET":
                    grant = await cached(request, ("grant", request.url.path), lambda: resolve(w, token))
                else:
                    grant = await run_in_threadpool(resolve, w, token)
                check_sso(request, grant)
            except LinkExpired:
                return expired_page(request, prefix)
            except (LinkNotFound, CopflowError):
                return not_found(request)
            form = await read_form(request) if request.method == "POST" and not upload else {}
            return await handler(Granted(request, w, grant, token, form))

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return endpoint

    return wrap
