"""`copflow links issue|revoke`, and the CLI importing Starlette and uvicorn only when `copflow web` runs."""

from __future__ import annotations

import subprocess
import sys

from tests.cli.test_cli import cf


def test_issue_then_revoke_a_link(seeded):
    env = {**seeded, "COPFLOW_WEB_URL": "https://cops.uni.example.org/"}
    url = cf(env, "links", "issue", "ann@uni.example.org", "--cop", "data-insight").stdout.strip()
    assert url.startswith("https://cops.uni.example.org/c/") and len(url.rsplit("/", 1)[1]) >= 32
    assert cf(env, "links", "revoke", url).stdout.strip() == "1 link(s) revoked"
    assert cf(env, "links", "revoke", url).stdout.strip() == "0 link(s) revoked"
    bad = cf(env, "links", "issue", "nobody@uni.example.org", "--cop", "data-insight", ok=False)
    assert bad.returncode == 1 and bad.stderr.strip() == "copflow: error: no person 'nobody@uni.example.org'"
    bad = cf(env, "links", "issue", "ann@uni.example.org", "--cop", "data-insight", "--purpose", "evidence",
             ok=False)
    assert bad.returncode == 1 and "evidence link names one gate" in bad.stderr and "Traceback" not in bad.stderr
    bad = cf({**env, "COPFLOW_WEB_URL": "cops.example.org"}, "links", "issue", "ann@uni.example.org", ok=False)
    assert bad.returncode == 1 and "COPFLOW_WEB_URL must be an http(s) address" in bad.stderr
    assert cf(env, "links", "revoke", ok=False).returncode == 1


def test_only_the_web_command_imports_starlette(seeded):
    code = ("import sys; from copflow.cli.main import run; sys.argv=['copflow','status','--json']\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "web = {'starlette', 'uvicorn'} & {m.split('.')[0] for m in sys.modules}\n"
            "print('WEB' if web else 'NO-WEB', file=sys.stderr)")
    for args in (["status"], ["links", "revoke", "--cop", "data-insight"], ["cop", "list"]):
        r = subprocess.run([sys.executable, "-c", code.replace("'status','--json'", ",".join(map(repr, args)))],
                           env=seeded, capture_output=True, text=True, timeout=60)
        assert r.stderr.strip().endswith("NO-WEB"), (args, r.stderr)
