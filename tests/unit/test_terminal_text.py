"""What the CLI prints of text that came from outside (a mail's subject, an imported name) never drives the
terminal: no control character but tab and newline, no bidirectional override; everything else as it was."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from copflow.terminal import shown

OVERRIDES = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@given(st.text())
def test_nothing_a_terminal_acts_on_is_printed(text: str) -> None:
    out = shown(text)
    assert len(out) == len(text)  # one character for one: nothing silently dropped
    for before, after in zip(text, out, strict=True):
        acts = (unicodedata.category(before) == "Cc" and before not in "\t\n") or before in OVERRIDES
        assert after == ("\ufffd" if acts else before)


def test_a_colour_and_a_title_change_are_shown_not_obeyed() -> None:
    assert shown("Re: \x1b[31mred\x1b[0m \x1b]0;pwned\x07") == "Re: \ufffd[31mred\ufffd[0m \ufffd]0;pwned\ufffd"
    assert shown("Zoë, 李, مرحبا\tok\n") == "Zoë, 李, مرحبا\tok\n" and shown(None) == ""
