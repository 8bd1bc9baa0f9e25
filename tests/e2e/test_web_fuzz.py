"""The web app's fuzzing harness (issue 28, build 7): Hypothesis posts every form of `copflow web` — the real server
in its own process, over HTTP, on SQLite and PostgreSQL — with values a person would type and every hostile case of
issue 28 (tests/e2e/web_forms.py): first its seed corpus (every case of the issue in every field of every form),
then what Hypothesis draws. For every request:

- never a 5xx, and never a traceback in the server's log;
- a refused form (any 4xx) writes nothing: the row count of every table is as it was (the audit of refused role
  changes excepted: recording a refusal is what it is for).

Examples per database: COPFLOW_FUZZ_EXAMPLES (200 by default, about a minute for both databases; raise it for a
deep run, e.g. COPFLOW_FUZZ_EXAMPLES=5000). Hypothesis prints the failing form and fields; add them to
tests/e2e/test_web_hostile.py as a regression test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.web_forms import SEEDS, Form, corpus, forms, specs
from tests.e2e.webapp import Server, settings_for_site, web_server
from tests.e2e.world import NOW, Doors, Visitor, build, row_counts
from tests.e2e.world import tracebacks as traceback_lines

EXAMPLES = int(os.environ.get("COPFLOW_FUZZ_EXAMPLES", "200"))
# The 100 KB seeds make Hypothesis's printed reprs large; they are meant to be.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
WRITTEN_ON_REFUSAL = {"audit_entry"}  # a refused role change is audited (docs/security.md, Who may grant what)


@pytest.fixture
def world(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Server, Doors]]:
    port = settings_for_site(monkeypatch, tmp_path, db_url)
    doors = build(db_url, tmp_path, f"http://127.0.0.1:{port}")
    # No rate limit: the harness sends far more than a person would, from one address.
    with web_server(tmp_path, db_url, port, NOW, "--rate-limit", "0") as server:
        httpx.get(server.url + "/join/data-insight")  # the first form makes the CSRF secret: counts start after
        yield server, doors


class Log:
    """The server's log, read on from where it was last read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen = 0

    def tracebacks(self) -> list[str]:
        text = self.path.read_text(errors="replace")
        new, self.seen = text[self.seen:], len(text)
        if "Traceback" not in new:
            return []
        tail = self.path.with_suffix(".new")
        tail.write_text(new)
        return traceback_lines(tail) or [new[-2000:]]


def counts(db_url: str) -> dict[str, int]:
    return {k: v for k, v in row_counts(db_url).items() if k not in WRITTEN_ON_REFUSAL}


class Poster:
    """Posts one request and checks the property on it."""

    def __init__(self, server: Server, db_url: str) -> None:
        self.visitor = Visitor()
        self.tokens: dict[str, str] = {}  # a page's token is the same for the whole session: read once per page
        self.log = Log(server.log)
        self.db_url = db_url
        self.tried: dict[str, int] = {}

    def token(self, page: str) -> str:
        if page not in self.tokens:
            self.tokens[page] = self.visitor.csrf(page)
        return self.tokens[page]

    def post(self, form: Form, token: str | None, extra: bytes = b"") -> None:
        body = urlencode({**({"csrf": token} if token is not None else {}), **form.fields}).encode()
        before = counts(self.db_url)
        r = self.visitor.http.post(form.url, content=body + extra,
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.tried[form.name] = self.tried.get(form.name, 0) + 1
        assert r.status_code < 500, (form.name, form.url[-80:], r.status_code, r.text[-1000:])
        assert self.log.tracebacks() == [], form.name
        if r.status_code >= 400:
            after = counts(self.db_url)
            assert after == before, (form.name, r.status_code, {k: (before[k], after[k]) for k in after
                                                                  if after[k] != before.get(k)})


def test_every_case_of_issue_28_in_every_field_of_every_form(world: tuple[Server, Doors], db_url: str) -> None:
    """The seed corpus, every time: each case the issue found, in all the fields of each form at once."""
    server, doors = world
    poster = Poster(server, db_url)
    for form in corpus(doors, server.url):
        poster.post(form, poster.token(form.page))
    assert len(poster.tried) == len(specs(doors, server.url))


def test_no_form_answers_5xx_leaves_a_traceback_or_writes_when_it_refuses(world: tuple[Server, Doors],
                                                                         db_url: str) -> None:
    server, doors = world
    poster = Poster(server, db_url)

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(data=st.data())
    def post(data: st.DataObject) -> None:
        form = data.draw(forms(doors, server.url), label="form")
        how = data.draw(st.sampled_from(["token"] * 6 + ["no token", "forged token", "raw body"]), label="how")
        token = {"no token": None, "forged token": data.draw(st.sampled_from(SEEDS[:40]), label="forged")
                 }.get(how, poster.token(form.page))
        # Bytes no browser sends: bad UTF-8, broken escapes, a second token.
        extra = b"&" + data.draw(st.binary(max_size=300), label="raw") if how == "raw body" else b""
        poster.post(form, token, extra)

    post()
    assert len(poster.tried) >= 10 or EXAMPLES < 50, poster.tried  # the examples reached (nearly) every form
