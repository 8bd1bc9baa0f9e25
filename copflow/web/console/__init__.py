"""The OD manager's console (/console): the programme from a browser, signed in (docs/console.md)."""

from __future__ import annotations

from starlette.routing import Route


def routes() -> list[Route]:
    from copflow.web.console import (
        channel,
        create,
        decide,
        evidence,
        imports,
        links,
        meetings,
        outbox,
        people,
        programme,
        roster,
        signin,
    )

    # /console/cops/new before /console/cops/{slug}
    return [*signin.routes(), *create.routes(), *programme.routes(), *roster.routes(), *evidence.routes(),
            *decide.routes(), *meetings.routes(), *channel.routes(), *imports.routes(), *outbox.routes(),
            *links.routes(), *people.routes()]
