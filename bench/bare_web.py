"""The baseline of the web benchmark: a bare Starlette + Jinja2 page (autoescaped) of BARE_SIZE bytes, no database,
served by uvicorn with its default access log, as copflow web is."""

from __future__ import annotations

import os

from jinja2 import Environment
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

SIZE = int(os.environ.get("BARE_SIZE", "4000"))
TEMPLATE = Environment(autoescape=True).from_string(
    "<!doctype html><html lang=en><head><title>{{ title }}</title></head><body><main>"
    "{% for p in items %}<p>{{ p }}</p>{% endfor %}</main></body></html>")
ITEMS = ["lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do"] * max(1, (SIZE - 90) // 71)


async def page(request: Request) -> HTMLResponse:
    return HTMLResponse(TEMPLATE.render(title="bare", items=ITEMS))


app = Starlette(routes=[Route("/", page)])
