"""The OD manager's review decision, reached by the signed link in the evaluation mail and the daily digest
(/d/{token}): the evaluation's recommendation, strengths and weaknesses, the deadline, and the decision form.
A decided review's link shows what was decided and cannot decide again. Under the same link, the review's full
report: /d/{token}/report (HTML, styled from /static/report.css: the CSP allows no inline style) and
/d/{token}/report.pdf (typeset now, so it carries the decision once taken)."""

from __future__ import annotations

import re
from collections.abc import Callable
from copy import copy
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from copflow.db.uow import UnitOfWork
from copflow.services.errors import CopflowError
from copflow.services.evaluation.decided_report import StoredReport, stored_report
from copflow.services.links.signed import Grant
from copflow.services.transitions import AdvanceResult
from copflow.web.after_write import after_gate
from copflow.web.granted import Granted, granted
from copflow.web.pages import Web, cached, not_found, page
from copflow.web.views.decision_confirm import FIELDS, asks_first, confirmation, is_confirmed, rehearse
from copflow.web.views.decision_page import (
    CHOICES,
    GENERAL,
    DecisionRefused,
    DecisionView,
    decision_view,
    od_holder,
    take_decision,
)
from notifications.vocabulary import decision_words


def _od_manager(w: Web, token: str) -> Grant:
    return od_holder(w.uow(), token, now=w.now(), od_manager=w.settings.od_manager_email)


def routes() -> list[Route]:
    return [Route("/d/{token}", decision, methods=["GET", "POST"]),
            Route("/d/{token}/report", report_page, methods=["GET"]),
            Route("/d/{token}/report.pdf", report_pdf_file, methods=["GET"]),
            Route("/d/{token}/report.docx", report_docx_file, methods=["GET"])]


async def _stored(g: Granted) -> StoredReport | None:
    assert g.grant.cop_slug is not None
    slug, visit = g.grant.cop_slug, g.grant.stage_visit
    return await run_in_threadpool(lambda: stored_report(g.w.uow(), slug=slug, visit=visit))


_INLINE_STYLE = re.compile(r"<style>.*?</style>", re.DOTALL)


@granted("d", _od_manager)
async def report_page(g: Granted) -> Response:
    return report_html(g.request, await _stored(g))


@granted("d", _od_manager)
async def report_pdf_file(g: Granted) -> Response:
    return await report_pdf_download(g.request, await _stored(g))


@granted("d", _od_manager)
async def report_docx_file(g: Granted) -> Response:
    return await report_docx_download(g.request, await _stored(g))


async def report_docx_download(request: Request, stored: StoredReport | None) -> Response:
    """The report as a Word document to edit, built now from its kept context (with the decision once taken)."""
    from notifications.report_docx import report_docx

    if stored is None or stored.context is None:
        return not_found(request)
    context = stored.context
    data = await run_in_threadpool(lambda: report_docx(context))
    name = stored.file_name.removesuffix(".pdf") + ".docx"
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


def report_html(request: Request, stored: StoredReport | None) -> Response:
    """A review's stored report as a page, its inline stylesheet swapped for ours (the CSP allows no inline
    style). Shared by the decision link and the console."""
    if stored is None:
        return not_found(request)
    html = _INLINE_STYLE.sub('<link rel="stylesheet" href="/static/report.css">', stored.html, count=1)
    return HTMLResponse(html)


async def report_pdf_download(request: Request, stored: StoredReport | None) -> Response:
    """The report's PDF, typeset now from its kept context (so it carries the decision once taken)."""
    from notifications.pdf import RenderFailed, report_pdf

    if stored is None or stored.context is None:
        return not_found(request)
    context = stored.context
    try:
        pdf = await run_in_threadpool(lambda: report_pdf(context))
    except RenderFailed:
        return page(request, "error.html.j2", {"status": 503, "message": "The report's PDF cannot be made just "
                                               "now; its HTML is at the link above. Please try again later."}, 503)
    return Response(pdf, media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="{stored.file_name}"'})


@granted("d", _od_manager)
async def decision(g: Granted) -> Response:
    w = g.w

    def read() -> DecisionView:
        return decision_view(w.uow(), g.grant, now=w.now(), policy=w.policy)

    try:
        view = copy(await cached(g.request, ("decision", g.path), read)) if g.request.method == "GET" \
            else await run_in_threadpool(read)
    except CopflowError:
        return not_found(g.request)
    if g.request.method == "GET":
        return _page(g, view)
    form = g.form
    if g.form.get("change") == "yes" and view.decided is None:  # back from the confirmation: the form as it was
        view.values = {k: form.get(k, "") for k in FIELDS}
        return _page(g, view)

    def take(uow_factory: Callable[[], UnitOfWork], reports_dir: Path | None) -> AdvanceResult:
        return take_decision(uow_factory, g.grant, form, now=w.now(), policy=w.policy, reports_dir=reports_dir,
                             od_manager=w.settings.od_manager_email)

    try:
        if view.decided is None and asks_first(form.get("decision", ""), view.recommendation) \
                and not is_confirmed(form):
            assert g.grant.cop_slug is not None
            slug = g.grant.cop_slug
            preview = await run_in_threadpool(lambda: rehearse(lambda f: take(f, None), w.uow, slug))
            return _page(g, view, confirm=confirmation(form, view.recommendation, preview))
        result = await run_in_threadpool(lambda: take(w.uow, w.settings.reports_dir))
    except DecisionRefused as exc:
        view.values = {k: form.get(k, "") for k in FIELDS}
        view.problems = exc.problems
        decided = view.decided is not None
        return _page(g, view, status=409 if decided else 422,
                     notice="" if decided else "Nothing was decided: please correct the fields marked below.")
    await after_gate(g.request, result)  # Prefect events, or the deliverer woken: the answer does not wait
    done = await run_in_threadpool(read)
    assert done.decided is not None
    return _page(g, done, notice=f"Decided: {decision_words(done.decided.decision)}. {done.cop_name} has moved on "
                                 f"and its leads are told.")


def _page(g: Granted, view: DecisionView, *, status: int = 200, notice: str = "",
          confirm: dict[str, object] | None = None) -> Response:
    return page(g.request, "decision.html.j2", {"v": view, "notice": notice, "general": GENERAL,
                                                "choices": CHOICES, "holder": g.grant.email, "action": g.path,
                                                "labels": LABELS, "confirm": confirm}, status)


LABELS = {"decision": "Your decision", "reason": "Why", "closing_date": "Closing date", "into": "Merge into",
          "children": "Sub-communities"}
