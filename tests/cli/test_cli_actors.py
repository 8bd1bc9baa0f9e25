"""Who acted, and what a hand-made link may be (issue 28, build 5): every command that records who acted takes an
address (`--by`, else COPFLOW_USER) and says what to do when it has none; `copflow links issue` makes only a link
that can be used: an open gate's form, a review's decision for its OD manager, an owner's own actions."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import cf, rows

D = "uni.example.org"


def _one_line(r, code: int = 1) -> str:  # type: ignore[no-untyped-def]
    assert r.returncode == code and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    return str(r.stderr)


def test_action_done_by_nobody_is_refused_and_the_action_stays_open(seeded):
    cf(seeded, "action", "add", "data-insight", "--title", "Book the room", "--owner", f"bob@{D}", "--due", "2026-03-05")
    err = _one_line(cf(seeded, "action", "done", "1", "--by", "nobody", ok=False))
    assert err.startswith("copflow: error: --by: 'nobody' is not an e-mail address")
    [action] = json.loads(cf(seeded, "action", "list", "data-insight", "--json").stdout)
    assert action["status"] == "open"


@pytest.mark.parametrize("args", [
    ["action", "add", "data-insight", "--title", "T", "--owner", f"bob@{D}", "--due", "2026-03-05"],
    ["gate", "record", "data-insight", "core_group_formed", "-f", "domain=Data"],
    ["output", "log", "data-insight", "--kind", "blog", "--title", "T", "--date", "2026-02-10"],
    ["member", "add", "data-insight", f"ann@{D}", "--role", "wider"],
])
def test_without_an_address_the_command_says_to_set_copflow_user_or_pass_by(seeded, args):
    before = rows(seeded)
    bare = {k: v for k, v in seeded.items() if k != "COPFLOW_USER"}
    err = _one_line(cf(bare, *args, ok=False))
    assert "set COPFLOW_USER to your e-mail address or pass --by" in err, err
    assert "is not a valid email address" not in err  # the real problem first, not the login name's syntax
    wrong = _one_line(cf({**seeded, "COPFLOW_USER": "root"}, *args, ok=False))
    assert "COPFLOW_USER: 'root' is not an e-mail address" in wrong
    assert rows(seeded) == before


def test_the_demo_style_review_decision_without_copflow_user_names_the_real_problem(seeded):
    bare = {k: v for k, v in seeded.items() if k != "COPFLOW_USER"}
    err = _one_line(cf(bare, "review", "decide", "data-insight", "--decision", "pass", "--reason", "fine, as the review found", ok=False))
    # The real problem first (issue 29): the CoP is not under review, whoever decides (tests/cli/test_cli_advice.py).
    assert "data-insight is in stage forming, not under review" in err and "COPFLOW_USER" not in err


def test_links_issue_refuses_a_link_that_does_not_fit(seeded):
    env = {**seeded, "COPFLOW_OD_MANAGER_EMAIL": f"od@{D}"}
    before = rows(env)
    cases = [
        (["--purpose", "evidence", "--gate", "review_passed"], "is decided on the OD manager's decision form"),
        (["--purpose", "evidence", "--gate", "launch_held"], "gate launch_held is not open"),
        (["--purpose", "evidence", "--gate", "archive_verified"], "copflow passes archive_verified itself"),
        (["--purpose", "decision"], "data-insight is not under review"),
        (["--purpose", "actions"], "owns no action in data-insight"),
    ]
    for extra, message in cases:
        err = _one_line(cf(env, "links", "issue", f"ann@{D}", "--cop", "data-insight", *extra, ok=False))
        assert message in err, (extra, err)
    err = _one_line(cf(env, "links", "issue", f"dir@{D}", "--cop", "data-insight", "--purpose", "evidence",
                       "--gate", "core_group_formed", ok=False))  # the sponsor: told, not asked to act
    assert "dir@uni.example.org does not act for data-insight (a lead, coordinator or OD manager does)" in err
    assert rows(env) == before
    # What fits is made: a lead's form of an open gate, the CoP page, and (once Bob owns one) his actions.
    assert "/e/" in cf(env, "links", "issue", f"ann@{D}", "--cop", "data-insight", "--purpose", "evidence",
                       "--gate", "core_group_formed").stdout
    assert "/c/" in cf(env, "links", "issue", f"bob@{D}", "--cop", "data-insight").stdout
    cf(env, "action", "add", "data-insight", "--title", "Book", "--owner", f"bob@{D}", "--due", "2026-03-05")
    assert "/a/" in cf(env, "links", "issue", f"bob@{D}", "--cop", "data-insight", "--purpose", "actions").stdout
