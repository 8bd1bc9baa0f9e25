"""The OD manager's console (/console): the programme from a browser, signed in (docs/console.md)."""

from __future__ import annotations

from starlette.routing import Route


def routes() -> list[Route]:
    from copflow.web.console import programme, roster, signin

    return [*signin.routes(), *programme.routes(), *roster.routes()]
