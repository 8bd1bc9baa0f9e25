"""Hypothesis strategies for hostile input (issue 28, build 7): importer cells and command-line values, seeded with
every case of the issue and of tests/corpus/bad_input.json. Used by tests/integration/test_fuzz_importers.py
(the services, in-process, for volume) and tests/cli/test_fuzz_cli.py (the CLI's no-traceback property).

COPFLOW_FUZZ_EXAMPLES raises the examples each property runs (CI runs the default, in about two minutes).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("COPFLOW_FUZZ_EXAMPLES", "40"))


def fuzz(scale: int = 1) -> settings:
    """`scale` times COPFLOW_FUZZ_EXAMPLES examples (an in-process command costs a tenth of an import on two
    databases). Derandomized under CI, so a red run is the same run again; locally each run looks further."""
    return settings(max_examples=EXAMPLES * scale, deadline=None, derandomize=os.environ.get("CI", "") != "",
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.large_base_example])


FUZZ = fuzz()
D = "uni.example.org"

# The cases and the corpus's, as cell and argument values.
SEEDS = [
    "", " ", "=1+1", "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\t=x", "=HYPERLINK(\"http://evil.example\",\"x\")",
    "a\r\nBcc: victim@evil.example", "x\nX-Evil: y", "\x00", "a\x00b", "\u2028", "\u0085", "\ufeff", "\x7f",
    "Eve \u202egnp.exe", "\u2066x\u2069", "\u200f\u061c", "\u202a\u202b\u202c\u202d",
    "<script>alert(1)</script>", "\"><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
    "%00csrf%00", "{link:1:0000000000000000}", "{{ 7*7 }}", "{% raw %}",
    "javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox(1)", "//evil.example/x", "https://trusted.example@evil.example/",
    "https://blog.example.org/post", "mailto:cop@uni.example.org", "file:///etc/passwd",
    "2026-02-30", "2026-13-01", "31/02/2026", "0000-00-00", "9999-12-31", "1900-01-01", "2026-03-02", "2025-06-01",
    "10/01/2026", "yesterday", "2026-03-02T25:00:00", "20260230",
    "-1", "0", "1e309", "NaN", "inf", "99999999999999999999999999", "18446744073709551616", "3.5", "٣",
    "Agree", "Strongly agree", "Maybe", "yes", "no", "perhaps",
    "core", "wider", "lead", "coordinator", "sponsor", "od_manager_contact", "captain",
    "blog", "seminar", "lunch_and_learn", "picnic", "open", "done", "dropped", "Done", "1 seminar", "2 blog posts",
    "data-insight", "launching-cop", "closed-cop", "reviewing-cop", "nope", "../etc", "UPPER", "a_b",
    f"ann@{D}", f"ANN@{D.upper()}", f"cat@{D}", f"bob@{D}", f"nobody@{D}", "a@b", "@x.org", "a@@x.org",
    "ann@x.org,bob@x.org", "Ann <ann@x.org>", "root", "nobody", "a" * 65 + "@x.org",
    "x" * 301, "x" * 5000, "é" * 300, "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "Zoë Ångström", "مجتمع البيانات", "日本語のタイトル",
    "[" * 200, "{\"a\":" * 100, "'; DROP TABLE person; --", "Robert'); DROP TABLE cop;--", "%s%s%s%n", "${jndi:ldap://x}",
]

cells = st.one_of(
    st.sampled_from(SEEDS),
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.emails().map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.integers(min_value=-(2 ** 70), max_value=2 ** 70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


def table_counts(db: Path) -> dict[str, int]:
    """Rows in every table of a SQLite database: what a refusal must leave as it was."""
    con = sqlite3.connect(db)
    try:
        names = [n for (n,) in con.execute("select name from sqlite_master where type = 'table'")]
        return {n: con.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()
