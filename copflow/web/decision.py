"""The OD manager's review decision, reached by the signed link in the evaluation mail and the daily digest
(/d/{token}): the evaluation's recommendation, strengths and weaknesses, the deadline, and the decision form.
A decided review's link shows what was decided and cannot decide again."""

from __future__ import annotations

from copy import copy

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from copflow.services.decision_page import (
    CHOICES,
    GENERAL,
    DecisionRefused,
    DecisionView,
    decision_view,
    od_holder,
    take_decision,
)
from copflow.services.errors import CopflowError
from copflow.services.links import Grant
from copflow.web.granted import Granted, granted
from copflow.web.pages import Web, after_gate, cached, not_found, page
from notifications.vocabulary import decision_words


def _od_manager(w: Web, token: str) -> Grant:
    return od_holder(w.uow(), token, now=w.now(), od_manager=w.settings.od_manager_email)


def routes() -> list[Route]:
    return [Route("/d/{token}", decision, methods=["GET", "POST"])]


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
    try:
        result, extra = await run_in_threadpool(
            lambda: take_decision(w.uow, g.grant, g.form, now=w.now(), policy=w.policy,
                                  reports_dir=w.settings.reports_dir, od_manager=w.settings.od_manager_email))
    except DecisionRefused as exc:
        view.values = {k: g.form.get(k, "") for k in ("decision", "reason", "closing_date", "into", "children")}
        view.problems = exc.problems
        decided = view.decided is not None
        return _page(g, view, status=409 if decided else 422,
                     notice="" if decided else "Nothing was decided: please correct the fields marked below.")
    await after_gate(g.request, result, extra)  # Prefect events, or the mail sent now (as `review decide`)
    done = await run_in_threadpool(read)
    assert done.decided is not None
    return _page(g, done, notice=f"Decided: {decision_words(done.decided.decision)}. {done.cop_name} has moved on "
                                 f"and its leads are told.")


def _page(g: Granted, view: DecisionView, *, status: int = 200, notice: str = "") -> Response:
    return page(g.request, "decision.html.j2", {"v": view, "notice": notice, "general": GENERAL,
                                                "choices": CHOICES, "holder": g.grant.email, "action": g.path,
                                                "labels": LABELS}, status)


LABELS = {"decision": "Your decision", "reason": "Why", "closing_date": "Closing date", "into": "Merge into",
          "children": "Sub-communities"}
