"""A community's chat channel from the console (/console/cops/{slug}/channel), as `copflow cop set --channel`
sets it: a test post first, then the address kept sealed and shown only as the service and a fingerprint. The
address typed is never shown again, not even beside a refusal."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from copflow.services.errors import CopflowError, in_a_sentence
from copflow.web.console.guard import Console, console_page, render
from copflow.web.pages import not_found

NOUNS = {"channel": "The channel's address", "handover": "The choice"}


def routes() -> list[Route]:
    return [Route("/console/cops/{slug}/channel", console_page(channel), methods=["GET", "POST"])]


async def channel(c: Console) -> Response:
    from copflow.services.channels import channel_of, set_channel

    w, slug = c.w, c.request.path_params["slug"]
    try:
        now_set = await run_in_threadpool(lambda: channel_of(w.uow(), slug))
    except CopflowError:
        return not_found(c.request)
    if c.request.method == "GET":
        return _page(c, now_set)
    removing = c.form.get("action") == "remove"
    address = "" if removing else c.form.get("channel", "")
    if not removing and not address.strip():
        return _page(c, now_set, errors={"channel": "Paste the channel's webhook address."},
                     notice="Nothing was changed.", status=422)
    try:
        done = await run_in_threadpool(lambda: set_channel(
            w.uow(), slug=slug, address=address, by=c.user.by, now=w.now(), settings=w.settings,
            handover=c.form.get("handover")))
    except CopflowError as exc:
        field = exc.field if exc.field in NOUNS else "channel"
        return _page(c, now_set, errors={field: in_a_sentence(exc, NOUNS)}, notice="Nothing was changed.",
                     status=422)
    if done.shown is None:
        note = "The channel is removed: nothing more is posted to it."
    else:
        note = f"The channel is set: {done.shown}. A test post went to it; the community's news will follow there."
    return _page(c, done, notice=note)


def _page(c: Console, view: object, *, notice: str = "", errors: dict[str, str] | None = None,
          status: int = 200) -> Response:
    return render(c, "channel.html.j2", {"ch": view, "slug": c.request.path_params["slug"], "notice": notice,
                                         "errors": errors or {}}, status)
