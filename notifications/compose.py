"""Render a message from templates/email: subject, text and HTML, through the one environment (templating.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateNotFound

from notifications.templating import environment, templates_dir


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


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
