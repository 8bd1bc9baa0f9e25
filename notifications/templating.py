"""The one Jinja2 environment of copflow and its one filter table: mail (templates/email), reports
(templates/reports) and the web's pages (templates/web) all render through `environment()`.

HTML (`.html`, `.html.j2`) is autoescaped, nothing else is; an undefined name is an error, not an empty string.
The filters are the words people read (notifications/vocabulary.py). Jinja2 is imported only by what renders.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from lifecycle.safe_text import href, is_link
from notifications import vocabulary as words


def templates_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "templates", here.parent / "copflow" / "_data" / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("copflow's templates folder is missing from this installation")


@pass_context
def _day(ctx: Context, value: Any) -> str | Markup:
    """A date in the organisation's long format, kept on one line in HTML: by a class on the web's pages (their
    CSP allows no inline style; the class is in templates/web/static) and by an inline style in mail (mail
    clients drop style sheets)."""
    if not ctx.eval_ctx.autoescape:
        return words.long_date(value)
    if (ctx.name or "").startswith("web/"):
        return Markup('<span class="day">{}</span>').format(words.long_date(value))
    return words.long_date_html(value)


def _sentence(text: object) -> str:
    """The text with its first letter capitalised and the rest as written ("OD manager", not "Od manager")."""
    return str(text)[:1].upper() + str(text)[1:]


FILTERS: dict[str, Callable[..., Any]] = {
    "gate": words.gate_words, "role": words.role_words, "stage": words.stage_words,
    "decision": words.decision_words, "activity": words.activity_words, "short_date": words.short_date,
    "plural": words.plural, "names": words.names, "when": words.when, "plain": words.plain,
    "sentence": _sentence, "day": _day, "zone": words.zone_words,
    # `href="{{ x | href }}"`: a link that is not http(s) or mailto becomes "#" (lifecycle/safe_text.py)
    "href": href,
}


@lru_cache(maxsize=1)
def environment() -> Environment:
    # auto_reload off: the templates do not change under a running process, and checking costs a stat per render.
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    env.tests["link"] = is_link  # `{% if o.link is link %}`: a link people gave is written as one only if it passes
    return env
