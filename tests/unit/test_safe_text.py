"""Links and bidirectional controls (issue 28, breaks 7 and 12): only http(s) and mailto links are taken anywhere
a link is, and text that can reorder what a reader sees is refused in names and titles."""

from __future__ import annotations

from datetime import date

import pytest

from copflow.services import validation as v
from copflow.services.errors import InvalidInput
from lifecycle import Gate, InvalidEvidence, validate_evidence

HOSTILE_LINKS = ["javascript:alert(1)", "JavaScript:alert(document.cookie)", " javascript:alert(1)",
                 "java\tscript:alert(1)", "java\nscript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=",
                 "vbscript:msgbox(1)", "file:///etc/passwd", "ftp://files.example.org/x", "//evil.example/x",
                 "https://", "https:///path", "http:evil.example", "mailto:", "https://trusted.example@evil.example/",
                 "https://x.example/\x00", "https://x.example/a b", "\u202ehttps://x.example", "x" * 10]
GOOD_LINKS = ["https://sharepoint.example.org/sites/data-cop/charter", "http://intranet.example.org/post?id=3#top",
              "HTTPS://EXAMPLE.ORG/", "mailto:cop-programme@uni.example.org", "https://[2001:db8::1]/x"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f",
        "\u061c"]


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_only_http_https_and_mailto_links_are_taken(link):
    with pytest.raises(InvalidInput) as err:
        v.link("link", link)
    assert err.value.field == "link" and "\n" not in str(err.value)


@pytest.mark.parametrize("link", GOOD_LINKS)
def test_web_and_mail_links_are_kept_as_given(link):
    assert v.link("link", f"  {link} ") == link


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,<b>x</b>", "vbscript:x", "JAVASCRIPT:x"])
def test_a_charter_link_with_another_scheme_is_refused(link):
    payload = {"version": "1.0", "purpose": "p", "link": link, "published_on": "2026-01-01"}
    with pytest.raises(InvalidEvidence) as err:
        validate_evidence(Gate.CHARTER_PUBLISHED, payload, date(2026, 3, 2))
    assert "link" in str(err.value) and "http" in str(err.value)


@pytest.mark.parametrize("where", ["https://sharepoint.example.org/charter", "Charter v1.docx on the team drive",
                                   r"C:\Documents\charter.docx", "mailto:cop@uni.example.org"])
def test_a_charter_may_still_be_a_document_named_in_words(where):
    payload = {"version": "1.0", "link": where, "published_on": "2026-01-01"}
    assert validate_evidence(Gate.CHARTER_PUBLISHED, payload, date(2026, 3, 2))["link"] == where


@pytest.mark.parametrize("mark", BIDI)
@pytest.mark.parametrize("check", [lambda t: v.clean_name("name", t), lambda t: v.clean_text("title", t)])
def test_bidirectional_controls_are_refused_in_names_and_titles(mark, check):
    with pytest.raises(InvalidInput) as err:
        check(f"Invoice{mark}fdp.exe")
    assert "bidirectional" in err.value.problem and f"U+{ord(mark):04X}" in err.value.problem


def test_right_to_left_text_itself_is_welcome():
    assert v.clean_name("name", "مجتمع البيانات") == "مجتمع البيانات"
    assert v.clean_text("title", "שלום עולם") == "שלום עולם"


def test_every_link_a_template_writes_from_a_value_passes_the_rule():
    """Mail: every `href="{{ … }}"` goes through `| href`. Web: so does every one but the app's own paths."""
    import re

    from notifications.compose import templates_dir

    ours = ("links.", "webcal", "action")  # the web app's own paths (a page's form action) and calendar address
    found = 0
    for path in sorted(templates_dir().rglob("*.html.j2")):
        for expr in re.findall(r'href="\{\{\s*([^}]*?)\s*\}\}', path.read_text(encoding="utf-8")):
            found += 1
            if path.parent.name == "web" and expr.startswith(ours):
                continue
            assert expr.endswith("| href"), f"{path.name}: href from {expr!r} is not checked"
    assert found >= 15


@pytest.mark.parametrize("value", HOSTILE_LINKS)
def test_the_href_filter_writes_a_dead_link_for_anything_else(value):
    from lifecycle.safe_text import href

    assert href(value) == "#" and href(None) == "#"
    assert href("https://x.example/a?b=1") == "https://x.example/a?b=1"
