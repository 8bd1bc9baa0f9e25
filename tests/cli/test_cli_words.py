"""Words right for the reader of the command line (issue 29, "Words that are wrong for the reader")."""

from __future__ import annotations

from tests.cli.test_cli import cf


def test_a_portfolio_of_one_says_one_cop(seeded):
    assert "Portfolio (1 CoP)" in cf(seeded, "status").stdout


def test_a_number_option_given_words_says_what_it_takes(seeded):
    r = cf(seeded, "status", "--reviews-within", "abc", ok=False)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.splitlines() == ["copflow: error: --reviews-within must be a whole number of days from 0 to "
                                     "3660 (see `copflow status --help`)"]
    assert "int range" not in cf(seeded, "status", "--reviews-within", "99999", ok=False).stderr


def test_a_mistyped_slug_gets_a_did_you_mean(seeded):
    for args in (("cop", "show", "data-insigth"), ("gate", "record", "data-insihgt", "core_group_formed",
                                                    "-f", "domain=x", "-f", "formed_on=2026-02-20"),
                 ("advance", "dta-insight")):
        r = cf(seeded, *args, ok=False)
        assert r.returncode == 1 and "(did you mean 'data-insight'?)" in r.stderr, (args, r.stderr)
    far = cf(seeded, "cop", "show", "zzz", ok=False)
    assert far.stderr.strip() == "copflow: error: no CoP 'zzz'"
