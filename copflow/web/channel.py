"""The CoP's chat channel on its leads' page (/c/<token>/channel): set it (a test post first), choose what a split
or merge does with it, or remove it. The address typed is never shown again, not even beside a refusal."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from copflow.services.errors import CopflowError, in_a_sentence
from copflow.web.granted import Granted, granted, lead_link
from copflow.web.lead import PURPOSE, cop_page_response

SECTION = "h-channel"
NOUNS = {"channel": "The channel's address", "handover": "The choice"}


def routes() -> list[Route]:
    return [Route("/c/{token}/channel", channel, methods=["POST"])]


@granted("c", lead_link(*PURPOSE["c"]))
async def channel(g: Granted) -> Response:
    from copflow.services.channels import set_channel

    w, form = g.w, g.form
    removing = form.get("action") == "remove"
    address = "" if removing else form.get("channel", "")
    if not removing and not address.strip():
        return await cop_page_response(g, errors={"channel": "Paste the channel's webhook address."},
                                       notice="Nothing was changed.", status=422, section=SECTION)
    try:
        done = await run_in_threadpool(lambda: set_channel(
            w.uow(), slug=g.grant.cop_slug or "", address=address, by=f"{g.grant.email} (via web)", now=w.now(),
            settings=w.settings, handover=form.get("handover")))
    except CopflowError as exc:
        field = exc.field if exc.field in NOUNS else "channel"
        return await cop_page_response(g, errors={field: in_a_sentence(exc, NOUNS)}, notice="Nothing was changed.",
                                       status=422, section=SECTION)
    if done.shown is None:
        note = "The channel is removed: nothing more is posted to it."
    else:
        note = (f"The channel is set: {done.shown}. A test post went to it; the community's news will follow "
                f"there.")
    return await cop_page_response(g, notice=note, section=SECTION)
