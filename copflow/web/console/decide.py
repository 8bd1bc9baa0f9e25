"""The review's decision from the console (/console/cops/{slug}/decision), as the OD manager's decision link shows
it and takes it (copflow/web/views/decision_page.py: `decide_review`, `evolve.split`, `evolve.merge`), recorded
"via console by <name>"; closing, splitting and merging ask first, naming what will happen. And closing a
community whose closing date has come (/console/cops/{slug}/close): its archive written, verified, and the
community closed, as `copflow archive close` does."""

from __future__ import annotations

from copy import copy
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from copflow.services.errors import CopflowError
from copflow.web.after_write import after_gate, after_transition
from copflow.web.console.confirm import confirm_page, confirmed
from copflow.web.console.guard import Console, console_page, render
from copflow.web.console.views import console_grant
from copflow.web.pages import not_found
from copflow.web.views.decision_page import (
    CHOICES,
    GENERAL,
    DecisionRefused,
    DecisionView,
    decision_view,
    take_decision,
)
from notifications.vocabulary import decision_words, long_date, plain

LABELS = {"decision": "Your decision", "reason": "Why", "closing_date": "Closing date", "into": "Merge into",
          "children": "Sub-communities"}
FIELDS = ("decision", "reason", "closing_date", "into", "children")


def routes() -> list[Route]:
    return [Route("/console/cops/{slug}/decision", console_page(decision), methods=["GET", "POST"]),
            Route("/console/cops/{slug}/decision/report", console_page(report), methods=["GET"]),
            Route("/console/cops/{slug}/decision/report.pdf", console_page(report_pdf), methods=["GET"]),
            Route("/console/cops/{slug}/close", console_page(close), methods=["GET", "POST"])]


async def _stored(c: Console) -> object:
    from copflow.services.evaluation.decided_report import stored_report

    try:
        grant = await run_in_threadpool(_grant, c)
    except CopflowError:
        return None
    return await run_in_threadpool(lambda: stored_report(c.w.uow(), slug=grant.cop_slug, visit=grant.stage_visit))


async def report(c: Console) -> Response:
    from copflow.web.decision import report_html

    return report_html(c.request, await _stored(c))  # type: ignore[arg-type]


async def report_pdf(c: Console) -> Response:
    from copflow.web.decision import report_pdf_download

    return await report_pdf_download(c.request, await _stored(c))  # type: ignore[arg-type]


def _grant(c: Console) -> Any:
    """The review to show: the one under way, or else the last one decided (its stage visit)."""
    from sqlalchemy import select

    from copflow.db.models import TransitionRecord
    from copflow.services.errors import NotFound
    from copflow.services.snapshots import get_cop
    from lifecycle import Stage

    with c.w.uow() as u:
        cop = get_cop(u.session, c.request.path_params["slug"])
        visit = cop.stage_visit if cop.stage == Stage.REVIEWING.value else u.session.scalar(
            select(TransitionRecord.from_visit).where(TransitionRecord.cop_id == cop.id,
                                                      TransitionRecord.from_stage == Stage.REVIEWING.value)
            .order_by(TransitionRecord.id.desc()).limit(1))
        if visit is None:
            raise NotFound("review", cop.slug)
    return console_grant(c.user.email, c.request.path_params["slug"], purpose="decision", now=c.w.now(),
                         stage_visit=visit)


async def decision(c: Console) -> Response:
    w = c.w
    try:
        grant = await run_in_threadpool(_grant, c)
        view = await run_in_threadpool(lambda: decision_view(w.uow(), grant, now=w.now(), policy=w.policy))
    except CopflowError:  # no such community, or no review of its current visit to decide or show
        return not_found(c.request)
    if c.request.method == "GET":
        return _page(c, view)
    choice = c.form.get("decision", "")
    if choice in ("close", "split", "merge") and not confirmed(c) and view.decided is None:
        return confirm_page(c, title=f"{decision_words('evolve' if choice != 'close' else choice).capitalize()} "
                                     f"{view.cop_name}?", will=_will(c, view, choice), button="Record the decision",
                            back=c.request.url.path, keep=FIELDS)
    try:
        result = await run_in_threadpool(lambda: take_decision(
            w.uow, grant, c.form, now=w.now(), policy=w.policy, reports_dir=w.settings.reports_dir,
            od_manager=w.settings.od_manager_email, via=c.user.via))
    except DecisionRefused as exc:
        view = copy(view)
        view.values = {k: c.form.get(k, "") for k in FIELDS}
        view.problems = exc.problems
        decided = view.decided is not None
        return _page(c, view, status=409 if decided else 422,
                     notice="" if decided else "Nothing was decided: please correct the fields marked below.")
    await after_gate(c.request, result)  # Prefect events, or the deliverer woken: the answer does not wait
    done = await run_in_threadpool(lambda: decision_view(w.uow(), grant, now=w.now(), policy=w.policy))
    assert done.decided is not None
    return _page(c, done, notice=f"Decided: {decision_words(done.decided.decision)}. {done.cop_name} has moved on "
                                 "and its leads are told.")


def _will(c: Console, view: DecisionView, choice: str) -> list[str]:
    f = c.form
    if choice == "close":
        when = f.get("closing_date", "")
        try:
            from datetime import date

            when = long_date(date.fromisoformat(when))
        except ValueError:
            when = when or "the closing date you gave"
        return [f"{view.cop_name} moves to the closing stage; its members are told it closes on {when}.",
                "Its leads and sponsor are told the decision and your reason; the lessons-learned draft is made.",
                "On the closing date its record is archived and it closes for good."]
    if choice == "merge":
        into = dict(view.merge_into).get(f.get("into", ""), "the community you chose")
        return [f"{view.cop_name}'s members and meeting series move to {into}.",
                f"{view.cop_name} closes after the notice period; its leads and sponsor are told why."]
    lines = [x.strip() for x in f.get("children", "").splitlines() if x.strip()]
    return [f"{len(lines)} new sub-communit{'y' if len(lines) == 1 else 'ies'} start forming with the members named: "
            + "; ".join(line.partition(":")[0] for line in lines) + ".",
            f"{view.cop_name} renews: it goes back to planning for a new charter."]


def _page(c: Console, view: DecisionView, *, status: int = 200, notice: str = "") -> Response:
    return render(c, "decision.html.j2", {"v": view, "notice": notice, "general": GENERAL, "choices": CHOICES,
                                          "holder": f"{c.user.name} ({c.user.email})", "action": c.request.url.path,
                                          "labels": LABELS}, status)


async def close(c: Console) -> Response:
    from copflow.services.archiving import close_cop
    from copflow.services.cops import show_cop

    w, slug = c.w, c.request.path_params["slug"]
    try:
        detail = await run_in_threadpool(lambda: show_cop(w.uow(), slug, w.now(), w.policy))
    except CopflowError:
        return not_found(c.request)
    if c.request.method == "GET" or not confirmed(c):
        return confirm_page(c, title=f"Close {detail.name}?", button=f"Archive and close {detail.name}",
                            back=f"/console/cops/{slug}",
                            will=[f"{detail.name}'s whole record (charters, evidence, reviews, outputs, roster, "
                                  "lessons learned) is written to one archive, and every file is read back and "
                                  "checked.", f"Then {detail.name} is closed for good: nothing can be changed in it "
                                  "any more, and its leads, sponsor and you are told.",
                                  "Only a community whose closing date has come can be closed."])
    try:
        r = await run_in_threadpool(lambda: close_cop(w.uow(), slug=slug, now=w.now(), policy=w.policy,
                                                      archive_dir=w.settings.archive_dir,
                                                      od_manager=w.settings.od_manager_email, by=c.user.by))
    except CopflowError as exc:
        from copflow.web.console.programme import community

        return await community(c, notice=f"Not closed: {plain(exc.words())}.", errors={"close": "not closed"},
                               status=409)
    await after_transition(c.request, slug, r.events)  # Prefect events, or the deliverer woken
    from copflow.web.console.programme import community

    return await community(c, notice=f"{detail.name} is closed; its archive holds {r.files} files, verified.")
