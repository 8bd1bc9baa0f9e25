"""The programme's mail from the console (/console/outbox): what is parked and why (the server's own reason), and
sending it again once the cause is fixed, one message or all (all asks first), as `copflow outbox retry` does."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from copflow.services.errors import CopflowError
from copflow.web.after_write import send_queued
from copflow.web.console.confirm import confirm_page, confirmed
from copflow.web.console.guard import Console, console_page, render

SHOWN = 200


def routes() -> list[Route]:
    return [Route("/console/outbox", console_page(outbox), methods=["GET"]),
            Route("/console/outbox/retry", console_page(retry), methods=["POST"])]


async def outbox(c: Console, *, notice: str = "", status: int = 200) -> Response:
    from copflow.services.mail.outbox_admin import count_messages, list_messages

    w = c.w

    def read() -> tuple[dict[str, int], list[object], list[object]]:
        counts = {s: count_messages(w.uow(), status=s) for s in ("pending", "parked", "sent")}
        return counts, list(list_messages(w.uow(), status="parked", limit=SHOWN)), \
            list(list_messages(w.uow(), limit=20))

    counts, parked, recent = await run_in_threadpool(read)
    return render(c, "outbox.html.j2", {"counts": counts, "parked": parked, "recent": recent, "notice": notice,
                                        "zone": w.policy.timezone, "shown": SHOWN}, status)


async def retry(c: Console) -> Response:
    from copflow.services.mail.outbox_admin import count_messages, requeue_parked

    w, every = c.w, c.form.get("all") == "yes"
    ids: list[int] | None = None
    if not every:
        try:
            ids = [int(c.form.get("id", ""))]
        except ValueError:
            return await outbox(c, notice="Choose a parked message to send again.", status=422)
        if not 0 < ids[0] < 2**31:
            return await outbox(c, notice="That message is not in the outbox.", status=404)
    elif not confirmed(c):
        n = await run_in_threadpool(lambda: count_messages(w.uow(), status="parked"))
        return confirm_page(c, title="Send every parked message again?", button=f"Send all {n} again",
                            back="/console/outbox", keep=("all",),
                            will=[f"{n} parked message{'' if n == 1 else 's'} go back in the queue and are sent now, "
                                  "each with its own key: none is sent twice.",
                                  "A message whose cause is not fixed (a mailbox that does not exist) is parked "
                                  "again, with the server's new reason."])
    try:
        chosen = await run_in_threadpool(lambda: requeue_parked(w.uow(), now=w.now(), ids=ids))
    except CopflowError as exc:
        return await outbox(c, notice=exc.words(), status=422)
    if chosen:
        await send_queued(c.request)
    return await outbox(c, notice=f"{len(chosen)} parked message{'' if len(chosen) == 1 else 's'} queued again and "
                                  "sent where the server took them.")
