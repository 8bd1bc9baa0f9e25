"""Recording a gate's evidence from the console (/console/cops/{slug}/gate/{gate}): the form of the lifecycle's
own fields, recorded through `record_gate` (the one transition path: the evidence kept, and the community moved on
when its gates are then met, in one transaction), as `copflow gate record` + `copflow advance` do."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from copflow.services.errors import CopflowError, InvalidInput
from copflow.services.links.signed import LinkNotFound
from copflow.web.after_write import after_gate
from copflow.web.console.guard import Console, console_page, render
from copflow.web.console.views import console_grant
from copflow.web.forms import control, payload, with_values
from copflow.web.views.lead_pages import GENERAL, EvidencePage, evidence_page, invalid_by_field
from lifecycle import EVIDENCE_FIELDS, InvalidEvidence, parse_gate
from notifications.vocabulary import plain, stage_words

NOTHING_RECORDED = "Nothing was recorded: please correct the fields marked below."


def routes() -> list[Route]:
    return [Route("/console/cops/{slug}/gate/{gate}", console_page(gate_form), methods=["GET", "POST"])]


def _read(c: Console) -> EvidencePage:
    w, slug, gate = c.w, c.request.path_params["slug"], c.request.path_params["gate"]
    grant = console_grant(c.user.email, slug, purpose="cop", now=w.now())
    return evidence_page(w.uow(), grant, gate, now=w.now(), policy=w.policy)


async def gate_form(c: Console) -> Response:
    from copflow.services.gates import record_gate
    from copflow.web.pages import not_found

    try:
        view = await run_in_threadpool(_read, c)
    except (LinkNotFound, CopflowError):  # not a gate of its stage (or a review's decision): not a page here
        return not_found(c.request)
    if c.request.method == "GET":
        return _form(c, view)
    if view.passed:
        return _form(c, view, status=409, notice="This step is done: its evidence is recorded.")
    w, gate = c.w, parse_gate(view.gate)
    body = payload(EVIDENCE_FIELDS[gate], c.form)
    if not body:
        view.problems = {GENERAL: ["Nothing was filled in: fill in the fields below."]}
        return _form(c, view, status=422, notice=NOTHING_RECORDED)
    try:
        result = await run_in_threadpool(lambda: record_gate(
            w.uow(), slug=view.slug, gate=gate.value, payload=body, by=c.user.by, now=w.now(), policy=w.policy,
            od_manager=w.settings.od_manager_email, whole=True))
    except CopflowError as exc:  # nothing was written: the form again, what was typed kept, each problem beside
        view.fields = with_values(view.fields, c.form)
        if isinstance(exc, InvalidEvidence):
            view.problems = invalid_by_field(exc)
        elif isinstance(exc, InvalidInput) and exc.field in {f.name for f in view.fields}:
            view.problems = {exc.field or GENERAL: [exc.problem_words]}
        else:
            view.problems = {GENERAL: [plain(exc.words())]}
        return _form(c, view, status=422, notice=NOTHING_RECORDED)
    after = await run_in_threadpool(_read_after, c, view)
    if result.moved:
        await after_gate(c.request, result)  # Prefect events, or the deliverer woken: the answer does not wait
        return _form(c, after, notice=f"Recorded. {view.cop_name} has moved on to the "
                                      f"{stage_words(result.to_stage)} stage.", moved=True)
    return _form(c, after, notice="Recorded.", still=[plain(u.message) for u in result.unmet])


def _read_after(c: Console, before: EvidencePage) -> EvidencePage:
    try:
        return _read(c)
    except (LinkNotFound, CopflowError):  # the community moved on: this gate is no longer one of its pages
        from dataclasses import replace

        return replace(before, passed=True, problems={})


def _form(c: Console, view: EvidencePage, *, status: int = 200, notice: str = "", still: list[str] | None = None,
          moved: bool = False) -> Response:
    controls = [control(f) for f in view.fields]
    return render(c, "evidence.html.j2", {"v": view, "controls": controls, "problems": view.problems,
                                          "labels": {x["name"]: x["label"] for x in controls}, "general": GENERAL,
                                          "notice": notice, "still_needed": still or [], "moved": moved,
                                          "refused": status >= 400}, status)
