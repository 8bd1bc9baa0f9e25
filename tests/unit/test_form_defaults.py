"""Every form that writes has the harmless default button first (templates/web/_enter_guard.html.j2), so Enter
in any of its fields sends nothing a person did not press a button for (issue 29 item 4); the browser test
(tests/e2e/test_web_confirmed.py) presses Enter in every field of the pages reached by link."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "web"
GUARD = '{% include "web/_enter_guard.html.j2" %}'
# Forms that record nothing: signing in and out (Enter signs in, as everywhere), and searches (GET).
EXEMPT = ("/console/sign-in", "/console/sign-out")


def test_every_form_that_writes_starts_with_the_default_button_that_sends_nothing() -> None:
    missing, seen = [], 0
    for path in sorted(TEMPLATES.rglob("*.j2")):
        text = path.read_text()
        for m in re.finditer(r"<form\b[^>]*>", text):
            tag = m.group(0)
            if 'method="post"' not in tag or any(e in tag for e in EXEMPT) or "multipart" in tag:
                continue
            seen += 1
            if not text[m.end():].startswith(GUARD):
                missing.append(f"{path.relative_to(TEMPLATES)}: {tag}")
    assert seen >= 20 and missing == []


def test_the_default_button_is_a_submit_button_named_as_the_server_expects() -> None:
    from copflow.web.pages import ENTER

    guard = (TEMPLATES / "_enter_guard.html.j2").read_text()
    assert f'type="submit" name="{ENTER}"' in guard and "hidden" in guard and 'tabindex="-1"' in guard
