"""The evaluation report as a PDF, typeset by Typst: the `typst` wheel is the compiler itself, so `uv sync` is all a
machine needs (no browser, no system library, no font: Typst's own fonts are used, whatever the machine has).

The report's context reaches templates/reports/evaluation.typ as one JSON string in `sys.inputs`, read with Typst's
`json()`: nothing a person typed is ever spliced into Typst source, so no name or reason can run as Typst code.
The PDF is A4 or US Letter (the policy's `report_paper`), titled, with the programme as its author, its language
set (en-GB), and tagged for screen readers (PDF/UA-1; see `typeset`).
"""

from __future__ import annotations

import functools
import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from lifecycle.errors import CopflowError
from notifications.reports import CHARTS, charts
from notifications.templating import templates_dir

PAPERS = ("a4", "us-letter")  # the policy's report_paper, as Typst names the sizes
REPORT_TEMPLATE: str | Path = "reports/evaluation.typ"


class RenderFailed(CopflowError):
    """A document could not be made; `reason` says why in one line (kept for the digest and the retry)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@functools.cache
def _compiler(root: Path) -> Any:
    import typst

    # One compiler per process (and folder): it loads Typst's fonts once (about 10 ms) and keeps parsed templates
    # between reports. System fonts are left out, so a report looks the same on every machine.
    return typst.Compiler(root=str(root), ignore_system_fonts=True)


_LOCK = threading.Lock()  # the compiler keeps state between calls: one report at a time per process


def typeset(template: str | Path, inputs: dict[str, str], *, timestamp: datetime | None = None) -> bytes:
    """A PDF of `templates/<template>` (or a .typ file's path) with `inputs` as `sys.inputs`; RenderFailed with
    Typst's message.

    PDF/UA-1 is asked for first: Typst then checks what a screen reader needs (a title, alternative text for every
    image, a glyph for every character). A character none of Typst's fonts has (an emoji in a name) fails that
    check; the report is then made tagged without the UA-1 claim rather than not at all."""
    import typst

    source = templates_dir() / template  # an absolute path stays itself
    # A compiler reads only under its root: templates/, or the folder of a file elsewhere (a test's, the bench's).
    inside = source.resolve().is_relative_to(templates_dir().resolve())
    compiler = _compiler(templates_dir() if inside else source.resolve().parent)
    with _LOCK:
        try:
            try:
                out = compiler.compile(input=str(source), format="pdf", sys_inputs=inputs, pdf_standards=["ua-1"],
                                       timestamp=timestamp)
            except typst.TypstError as exc:
                if "PDF/UA" not in str(exc):
                    raise
                out = compiler.compile(input=str(source), format="pdf", sys_inputs=inputs, timestamp=timestamp)
        except (typst.TypstError, RuntimeError) as exc:  # RuntimeError: a file Typst cannot read
            raise RenderFailed(f"Typst could not typeset {template}: {str(exc).splitlines()[0]}") from None
    if not isinstance(out, bytes) or not out.startswith(b"%PDF"):
        raise RenderFailed(f"Typst made no PDF of {template}")
    return out


def report_inputs(context: dict[str, Any]) -> dict[str, str]:
    """The report's context with its charts (the same SVG as the HTML's, with alternative text), as Typst reads it."""
    drawn = {key: {"svg": str(svg), "alt": CHARTS[key][0], "caption": CHARTS[key][1]}
             for key, svg in charts(context["ev"]).items()}
    return {"report": json.dumps({**context, "charts": drawn}, ensure_ascii=False)}


def report_pdf(context: dict[str, Any]) -> bytes:
    """The evaluation report as a PDF (`notifications.reports.report_context`, with or without a decision)."""
    if context.get("paper") not in PAPERS:
        raise RenderFailed(f"report paper {context.get('paper')!r} is not one of {', '.join(PAPERS)}")
    made = datetime.fromisoformat(context["generated_iso"]).replace(microsecond=0)  # Typst takes whole seconds
    return typeset(REPORT_TEMPLATE, report_inputs(context), timestamp=made)

