"""The confirmation every consequential action asks for (close, merge, split, erase, retry-all): a page naming
what will happen, carrying the form as it was sent, whose button sends it again with `confirmed=yes`. Nothing is
written until then."""

from __future__ import annotations

from starlette.responses import Response

from copflow.web.console.guard import Console, render

CONFIRMED = "confirmed"


def confirmed(c: Console) -> bool:
    return c.form.get(CONFIRMED) == "yes"


def confirm_page(c: Console, *, title: str, will: list[str], button: str, back: str,
                 keep: tuple[str, ...] = ()) -> Response:
    """Ask before doing it: `will` says what happens, in order; `keep` names the form's fields sent on again."""
    fields = [(k, c.form.get(k, "")) for k in keep]
    assert back.startswith("/console")  # a console page: the template writes it after "/console"
    return render(c, "confirm.html.j2", {"title": title, "will": will, "button": button,
                                         "back": back.removeprefix("/console"),
                                         "action": c.request.url.path, "fields": fields})
