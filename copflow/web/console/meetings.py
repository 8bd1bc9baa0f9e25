"""Where and when a community meets, from the console (/console/cops/{slug}/meetings), as `copflow cop set` does:
only what changed is sent, and the live meetings go out again as one update per attendee."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from copflow.services.errors import CopflowError, in_a_sentence
from copflow.web.after_write import send_queued
from copflow.web.console.guard import Console, console_page, render
from copflow.web.pages import not_found

FIELDS = ("place", "time", "weekday", "timezone", "holidays")
NOUNS = {"place": "the place", "time": "the time", "weekday": "the weekday", "timezone": "the time zone",
         "holidays": "the holiday region", "settings": "the form"}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def routes() -> list[Route]:
    return [Route("/console/cops/{slug}/meetings", console_page(meetings), methods=["GET", "POST"])]


def _current(c: Console) -> tuple[str, dict[str, str]]:
    from copflow.services.snapshots import get_cop

    with c.w.uow() as u:
        cop = get_cop(u.session, c.request.path_params["slug"])
        return cop.name, {"place": cop.meeting_place or "", "time": cop.meeting_time or "",
                          "weekday": cop.meeting_weekday or "", "timezone": cop.timezone,
                          "holidays": cop.public_holidays or ""}


async def meetings(c: Console) -> Response:
    from copflow.services.meetings.settings import set_cop_meetings

    w = c.w
    try:
        name, now_set = await run_in_threadpool(_current, c)
    except CopflowError:
        return not_found(c.request)
    if c.request.method == "GET":
        return _page(c, name, now_set)
    typed = {k: c.form.get(k, "").strip() for k in FIELDS}
    changed = {k: v for k, v in typed.items() if v != now_set[k]}
    if not changed:
        return _page(c, name, typed, notice="Nothing changed.")
    try:
        done = await run_in_threadpool(lambda: set_cop_meetings(
            w.uow(), slug=c.request.path_params["slug"], now=w.now(), policy=w.policy,
            timezone=changed.get("timezone") or None, place=changed.get("place"), at=changed.get("time"),
            weekday=changed.get("weekday"), public_holidays=changed.get("holidays")))
    except CopflowError as exc:
        field = {"at": "time", "public_holidays": "holidays"}.get(exc.field or "", exc.field or "")
        return _page(c, name, typed, errors={field if field in FIELDS else "place": in_a_sentence(exc, NOUNS)},
                     notice="Nothing was changed.", status=422)
    await send_queued(c.request)  # the updated invitations: the deliverer sends them
    _, saved = await run_in_threadpool(_current, c)
    sent = len(done.updated)
    return _page(c, name, saved, notice=f"Saved. {sent} meeting series sent again to {'its' if sent == 1 else 'their'}"
                                        " attendees." if sent else "Saved. No meeting is running yet.")


def _page(c: Console, name: str, typed: dict[str, str], *, notice: str = "", errors: dict[str, str] | None = None,
          status: int = 200) -> Response:
    return render(c, "meetings.html.j2", {"slug": c.request.path_params["slug"], "name": name, "typed": typed,
                                          "errors": errors or {}, "notice": notice, "weekdays": WEEKDAYS,
                                          "policy": c.w.policy}, status)
