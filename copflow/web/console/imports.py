"""Importing a file from the console (/console/import): a staff extract, an attendance log, an activity log or a
Forms survey export, CSV or .xlsx, through the CLI's own importers (`copflow import …`). The upload is first a
dry run: every bad row with its row number, column and reason, or what would be written; nothing is written until
the OD manager confirms, and then only if every row is still good."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from copflow.services.errors import CopflowError
from copflow.web.after_write import send_queued
from copflow.web.console.guard import Console, console_page, render
from copflow.web.console.sessions import token_hash
from copflow.web.console.uploads import kept, read_upload

KINDS = {  # what the form offers: the importer's name, its columns, whether it takes a community and a survey name
    "people": ("A staff extract", "email, name; optionally department, line_manager, and cop with role (and "
                                  "joined_on) to give them a role"),
    "attendance": ("An attendance log", "cop, title, date, email (one row per person per event); optionally kind"),
    "activities": ("An activity log", "cop, kind, title, date; optionally link, notes"),
    "survey": ("A Forms survey export", "one row per response, one column per statement, answers on the Likert "
                                        "scale"),
}


def routes() -> list[Route]:
    return [Route("/console/import", console_page(import_form), methods=["GET"]),
            Route("/console/import/check", console_page(check, upload=True), methods=["POST"]),
            Route("/console/import/confirm", console_page(confirm), methods=["POST"])]


def _owner(c: Console) -> str:
    return (c.user.session or token_hash(c.user.email))[:16]


def _importer(c: Console, kind: str, fields: dict[str, str]) -> Callable[[Path, bool], Any]:
    """The CLI's importer for `kind`, as `copflow import <kind>` calls it, the console's OD manager recording."""
    from copflow.services.imports import activities, people, survey

    w, skip = c.w, fields.get("skip_existing") == "yes"
    if kind == "people":
        return lambda path, dry: people.import_people(w.uow(), path, now=w.now(), policy=w.policy, dry_run=dry)
    if kind == "attendance":
        return lambda path, dry: activities.import_attendance(w.uow(), path, by=c.user.by, now=w.now(),
                                                              policy=w.policy, dry_run=dry, skip_existing=skip)
    if kind == "activities":
        return lambda path, dry: activities.import_activities(w.uow(), path, by=c.user.by, now=w.now(),
                                                              policy=w.policy, dry_run=dry, skip_existing=skip)
    return lambda path, dry: survey.import_survey(w.uow(), path, slug=fields.get("cop", ""),
                                                  survey=fields.get("survey", ""), now=w.now(), policy=w.policy,
                                                  dry_run=dry, skip_existing=skip)


async def import_form(c: Console) -> Response:
    return await _page(c, {"kind": c.request.query_params.get("kind", "people")})


async def _page(c: Console, typed: dict[str, str], *, errors: dict[str, str] | None = None, status: int = 200,
                **extra: Any) -> Response:
    from copflow.services.cops import list_cops

    cops = await run_in_threadpool(lambda: list_cops(c.w.uow()))
    return render(c, "import.html.j2", {"kinds": KINDS, "typed": typed, "errors": errors or {},
                                        "cops": [(x.slug, x.name) for x in cops], "problems": [], "result": None,
                                        "upload_id": "", "file_name": "", "done": "", **extra}, status)


async def check(c: Console) -> Response:
    """The dry run of an uploaded file: its problems, or what it would write (with the button that confirms)."""
    upload = await read_upload(c.request, _owner(c))
    typed = {k: upload.fields.get(k, "") for k in ("kind", "cop", "survey", "skip_existing")}
    kind = typed["kind"]
    if kind not in KINDS:
        return await _page(c, typed, errors={"kind": "Choose what the file holds."}, status=422)
    if upload.stored is None:
        return await _page(c, typed, errors={"file": "Choose the file to import (.csv or .xlsx)."}, status=422)
    return await _run(c, kind, typed, upload.stored, upload.file_name, dry=True)


async def confirm(c: Console) -> Response:
    typed = {k: c.form.get(k, "") for k in ("kind", "cop", "survey", "skip_existing")}
    path = kept(c.request, _owner(c), c.form.get("upload", ""))
    if typed["kind"] not in KINDS or path is None:
        return await _page(c, typed, errors={"file": "That upload is no longer here (it is kept for an hour, and "
                                                     "once only): choose the file again."}, status=410)
    return await _run(c, typed["kind"], typed, path, c.form.get("file_name", "")[:200], dry=False)


async def _run(c: Console, kind: str, typed: dict[str, str], path: Path, file_name: str, *, dry: bool) -> Response:
    from copflow.services.imports import FileRefused, ImportRejected
    from copflow.services.imports.common import counted

    run = _importer(c, kind, typed)
    try:
        result = await run_in_threadpool(run, path, dry)
    except ImportRejected as exc:  # every bad row, to fix the file in one go; nothing was written
        path.unlink(missing_ok=True)
        return await _page(c, typed, status=422, problems=exc.problems, file_name=file_name)
    except FileRefused as exc:
        path.unlink(missing_ok=True)
        return await _page(c, typed, errors={"file": f"{file_name or 'The file'}: {exc.reason}."}, status=422)
    except CopflowError as exc:  # a survey's community or name refused: beside its field
        path.unlink(missing_ok=True)
        where = exc.field if exc.field in ("cop", "survey") else "CoP" if exc.field == "CoP" else "file"
        return await _page(c, typed, errors={"cop" if where == "CoP" else where: exc.words()}, status=422)
    said = ", ".join(counted(n, what) for what, n in result.counts.items() if n) or "nothing new"
    if dry:
        return await _page(c, typed, result=f"{counted(result.rows, 'rows')} good; importing would write {said}.",
                           upload_id=path.name, file_name=file_name)
    path.unlink(missing_ok=True)
    if not dry and result.counts.get("meetings with new invitees"):
        await send_queued(c.request)  # new members' invitations: the deliverer sends them
    return await _page(c, {"kind": kind}, done=f"Imported {file_name}: {counted(result.rows, 'rows')}; "
                                               f"wrote {said}.")
