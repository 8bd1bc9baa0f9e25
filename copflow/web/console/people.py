"""A person's rights over their data, from the console (/console/people): their subject-access export (a zip, as
`copflow person export` writes) and their erasure (as `copflow person erase`: what would change shown first, then
done only when confirmed; refused, with nothing written, while they are a community's only coordinator or lead)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from copflow.services.errors import CopflowError, InvalidInput, in_a_sentence
from copflow.web.after_write import send_queued
from copflow.web.console.confirm import confirm_page, confirmed
from copflow.web.console.guard import Console, console_page, render

NOUNS = {"email": "the address", "person": "the address"}


def routes() -> list[Route]:
    return [Route("/console/people", console_page(people), methods=["GET"]),
            Route("/console/people/export", console_page(export), methods=["POST"]),
            Route("/console/people/erase", console_page(erase), methods=["POST"])]


async def people(c: Console, *, notice: str = "", error: str = "", status: int = 200,
                 email: str | None = None) -> Response:
    from copflow.web.console.views import person_view

    email = (c.request.query_params.get("email", "") if email is None else email).strip()[:320]
    found = await run_in_threadpool(lambda: person_view(c.w.uow(), email)) if email else None
    if email and found is None and not error and not notice:
        error = f"Nobody with the address {email} is known here."
    return render(c, "people.html.j2", {"email": email, "person": found, "notice": notice, "error": error},
                  status if not error or status != 200 else 404)


async def export(c: Console) -> Response:
    """The person's records as a download: made in a private temporary folder, sent, and not kept."""
    from copflow.services.privacy.export import export_person

    w, email = c.w, c.form.get("email", "")
    with tempfile.TemporaryDirectory(prefix="copflow-export-") as folder:
        out = Path(folder) / "export.zip"
        try:
            result = await run_in_threadpool(lambda: export_person(w.uow(), email=email, out=out, now=w.now()))
        except CopflowError as exc:
            return await people(c, error=in_a_sentence(exc, NOUNS), status=422, email=email)
        data = result.path.read_bytes()
    name = "personal-data-" + "".join(ch if ch.isalnum() else "-" for ch in email.strip().lower())[:80] + ".zip"
    return Response(data, media_type="application/zip",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


async def erase(c: Console) -> Response:
    from copflow.services.privacy.erasure import erase_person

    w, email = c.w, c.form.get("email", "").strip()

    def run(dry: bool):  # type: ignore[no-untyped-def]
        return erase_person(w.uow(), email=email, by=c.user.by, now=w.now(), policy=w.policy,
                            reports_dir=w.settings.reports_dir, dry_run=dry)

    try:
        report = await run_in_threadpool(run, not confirmed(c))
    except InvalidInput as exc:  # the CLI's refusal, from its values: a community's only coordinator or lead
        if exc.field == "email" and exc.cop:
            return await people(c, status=422, email=email, error=(
                f"Nothing was erased: {email} is the only coordinator or lead of {await _name_of(c, exc.cop)}. "
                "Appoint another coordinator or lead there first."))
        return await people(c, error=in_a_sentence(exc, NOUNS), status=422, email=email)
    except CopflowError as exc:  # unknown, or the address cannot be read
        return await people(c, error=in_a_sentence(exc, NOUNS), status=422, email=email)
    rows = sum(report.rows_changed.values())
    if not report.done:
        will = [f"{email} becomes {report.pseudonym} everywhere: {rows} row{'' if rows == 1 else 's'} change "
                "(memberships, attendance and evidence stay, so counts hold).",
                f"{report.mail_withdrawn} unsent message{'' if report.mail_withdrawn == 1 else 's'} to them "
                "withdrawn.", *report.meetings,
                *(f"Written earlier, for the organisation to handle: {f}" for f in report.files_to_handle),
                "This cannot be undone."]
        return confirm_page(c, title=f"Erase {email} for good?", will=will, button=f"Erase {email}",
                            back=f"/console/people?email={email}", keep=("email",))
    if report.meetings:
        await send_queued(c.request)  # the calendar changes: the deliverer sends them
    return await people(c, notice=f"Erased: {email} is now {report.pseudonym} ({rows} rows changed).", email="")


async def _name_of(c: Console, slug: str) -> str:
    from copflow.services.cops import list_cops

    cops = await run_in_threadpool(lambda: list_cops(c.w.uow()))
    return next((x.name for x in cops if x.slug == slug), slug)
