"""The review's decision from the console (/console/cops/{slug}/decision), as the OD manager's decision link shows
it and takes it (copflow/web/views/decision_page.py: `decide_review`, `evolve.split`, `evolve.merge`), recorded
"via console by <name>"; closing, splitting and merging ask first, naming what will happen. And closing a
community whose closing date has come (/console/cops/{slug}/close): its archive written, verified, and the
community closed, as `copflow archive close` does."""

from __future__ import annotations

from collections.abc import Callable
from copy import copy
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from copflow.db.uow import UnitOfWork
from copflow.services.errors import CopflowError
from copflow.services.transitions import AdvanceResult
from copflow.web.after_write import after_gate, after_transition
from copflow.web.console.confirm import confirm_page, confirmed
from copflow.web.console.guard import Console, console_page, render
from copflow.web.console.views import console_grant
from copflow.web.pages import not_found
from copflow.web.views.decision_confirm import FIELDS, asks_first, confirmation, is_confirmed, rehearse
from copflow.web.views.decision_page import (
    CHOICES,
    GENERAL,
    DecisionRefused,
    DecisionView,
    decision_view,
    take_decision,
)
from notifications.vocabulary import decision_words, plain

LABELS = {"decision": "Your decision", "reason": "Why", "closing_date": "Closing date", "into": "Merge into",
          "children": "Sub-communities"}


def routes() -> list[Route]:
    return [Route("/console/cops/{slug}/decision", console_page(decision), methods=["GET", "POST"]),
            Route("/console/cops/{slug}/decision/report", console_page(report), methods=["GET"]),
            Route("/console/cops/{slug}/decision/report.pdf", console_page(report_pdf), methods=["GET"]),
            Route("/console/cops/{slug}/decision/report.docx", console_page(report_docx), methods=["GET"]),
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


async def report_docx(c: Console) -> Response:
    from copflow.web.decision import report_docx_download

    return await report_docx_download(c.request, await _stored(c))  # type: ignore[arg-type]


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
    form = c.form
    if form.get("change") == "yes" and view.decided is None:  # back from the confirmation: the form as it was
        view = copy(view)
        view.values = {k: form.get(k, "") for k in FIELDS}
        return _page(c, view)

    def take(uow_factory: Callable[[], UnitOfWork], reports_dir: Path | None) -> AdvanceResult:
        return take_decision(uow_factory, grant, form, now=w.now(), policy=w.policy, reports_dir=reports_dir,
                             od_manager=w.settings.od_manager_email, via=c.user.via)

    try:
        if view.decided is None and asks_first(form.get("decision", ""), view.recommendation) \
                and not is_confirmed(form):
            preview = await run_in_threadpool(lambda: rehearse(lambda f: take(f, None), w.uow, view.slug))
            return _page(c, view, confirm=confirmation(form, view.recommendation, preview))
        result = await run_in_threadpool(lambda: take(w.uow, w.settings.reports_dir))
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


def _page(c: Console, view: DecisionView, *, status: int = 200, notice: str = "",
          confirm: dict[str, object] | None = None) -> Response:
    return render(c, "decision.html.j2", {"v": view, "notice": notice, "general": GENERAL, "choices": CHOICES,
                                          "holder": f"{c.user.name} ({c.user.email})", "action": c.request.url.path,
                                          "labels": LABELS, "confirm": confirm}, status)


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
