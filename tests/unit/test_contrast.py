"""Every colour of text in mail, the web pages and the report is readable: at least 4.5:1 against its background
(WCAG 2.2 AA, 1.4.3). Read from the templates themselves — inline `style` attributes and stylesheets — so a new
grey is checked the day it is written. (Mail text in #627d98 on white, 4.28:1, was in every message.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from notifications.templating import templates_dir

AA = 4.5
PAGE_BACKGROUNDS = ("#ffffff", "#f6f7f9")  # mail and report bodies are white; the web's page is #f6f7f9
_DECLARATION = re.compile(r"(?<![-\w])(color|background-color|background)\s*:\s*([^;\"}]+)")
_HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")


def luminance(colour: str) -> float:
    h = colour.lstrip("#")
    h = "".join(c * 2 for c in h) if len(h) == 3 else h

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(h[i:i + 2], 16) / 255) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _resolve(value: str, variables: dict[str, str]) -> str | None:
    value = re.sub(r"var\((--[\w-]+)\)", lambda m: variables.get(m.group(1), ""), value)
    found = _HEX.search(value)
    return found.group(0).lower() if found else None


def rules(text: str) -> list[dict[str, str]]:
    """Each inline style and each stylesheet rule: its text colour and background, where it sets them."""
    variables = dict(re.findall(r"(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})", text))
    blocks = re.findall(r'style="([^"]*)"', text) + re.findall(r"\{([^{}]*)\}", text)
    out = []
    for block in blocks:
        found: dict[str, str] = {}
        for prop, value in _DECLARATION.findall(block):
            colour = _resolve(value, variables)
            if colour:
                found["color" if prop == "color" else "background"] = colour
        if found:
            out.append(found)
    return out


def files() -> list[Path]:
    root = templates_dir()
    return sorted([*root.glob("email/*.html.j2"), *root.glob("reports/*.html.j2"), *root.glob("web/*.html.j2"),
                   *root.glob("web/static/*.css")])


def is_dark(colour: str) -> bool:
    return luminance(colour) < 0.18


@pytest.mark.parametrize("path", files(), ids=lambda p: p.name)
def test_every_text_colour_reaches_aa_on_its_background(path: Path):
    found = rules(path.read_text(encoding="utf-8"))
    texts = {r["color"] for r in found if "color" in r and not is_dark(r.get("background", "#ffffff"))
             and luminance(r["color"]) < 0.5}  # the file's text colours for light backgrounds
    darks = {r["background"] for r in found if "background" in r and is_dark(r["background"])}
    problems = []
    for r in found:
        if "color" in r and "background" not in r and luminance(r["color"]) > 0.5:
            pairs = [(r["color"], bg) for bg in darks]  # light text (a badge's) on the file's dark fills
            assert darks, f"{path.name}: light text {r['color']} with no dark background to sit on"
        elif "color" in r:
            backgrounds = [r["background"]] if "background" in r else list(PAGE_BACKGROUNDS)
            pairs = [(r["color"], bg) for bg in backgrounds]
        elif is_dark(r["background"]):  # a dark fill (a badge, a button) carries white text
            pairs = [("#ffffff", r["background"])]
        else:  # a light fill (a notice) carries the file's text colours
            pairs = [(text, r["background"]) for text in texts]
        problems += [f"{fg} on {bg}: {ratio(fg, bg):.2f}:1" for fg, bg in pairs if ratio(fg, bg) < AA]
    assert problems == [], f"{path.name}: {sorted(set(problems))}"


def test_the_check_itself_finds_the_old_grey():
    assert round(ratio("#627d98", "#ffffff"), 2) == 4.28
    assert rules('<p style="color: #627d98; font-size: 12px;">') == [{"color": "#627d98"}]
    assert rules(":root { --muted: #4a5360; } .help { color: var(--muted); }") == [{"color": "#4a5360"}]
