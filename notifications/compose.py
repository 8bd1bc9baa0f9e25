"""Render messages from templates/ with Jinja2: autoescaped HTML, StrictUndefined, subject + text + HTML."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    pass_eval_context,
    select_autoescape,
)
from jinja2.nodes import EvalContext

from lifecycle.safe_text import href, is_link
from notifications import vocabulary as words


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def templates_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "templates", here.parent / "copflow" / "_data" / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("copflow's templates folder is missing from this installation")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(gate=words.gate_words, role=words.role_words, stage=words.stage_words,
                       decision=words.decision_words, activity=words.activity_words, short_date=words.short_date,
                       plural=words.plural, names=words.names, day=_day, href=href)
    env.tests["link"] = is_link  # `{% if o.link is link %}`: only an http(s) or mailto link is written as one
    return env


@pass_eval_context
def _day(ctx: EvalContext, value: Any) -> str:
    """A date in the organisation's long format; in HTML kept on one line."""
    return words.long_date_html(value) if ctx.autoescape else words.long_date(value)


def kinds() -> list[str]:
    """Every message kind that has a template (for previews and docs)."""
    return sorted(p.name.removesuffix(".subject.j2") for p in (templates_dir() / "email").glob("*.subject.j2"))


def render(kind: str, context: dict[str, Any]) -> Rendered:
    env = environment()
    try:
        subject = env.get_template(f"email/{kind}.subject.j2").render(context)
        text = env.get_template(f"email/{kind}.txt.j2").render(context)
        html = env.get_template(f"email/{kind}.html.j2").render(context)
    except TemplateNotFound as exc:
        raise LookupError(f"no template for message kind {kind!r} ({exc.name})") from None
    # A subject is one header line: fold any line break a value smuggled in into a space.
    return Rendered(" ".join(subject.split()), text, html)
