"""The commands the demo prints for its reader to try, each as it is typed in a shell (tests/e2e/test_demo_advice.py
runs every one of them as printed)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from shlex import quote

from copflow.db.uow import UnitOfWork
from copflow.demo.data import DOMAIN
from lifecycle import Policy


def copflow(folder: Path, *args: str) -> str:
    """A copflow command on the demo's folder, as the reader types it in a shell (each word quoted if it must be)."""
    return " ".join([f"COPFLOW_HOME={quote(str(folder))}", "uv", "run", "copflow", *map(quote, args)])


def web_hint(folder: Path, env: dict[str, str], now: datetime, policy: Policy) -> None:
    """How a lead acts from their inbox: the web app, and a valid link of HR Recruitment's coordinator to record
    its launch (the one gate between it and stage active)."""
    from copflow.services.links.signed import issue

    url = issue(UnitOfWork(env["COPFLOW_DATABASE_URL"]), slug="hr-recruitment", email=f"hugo.silva@{DOMAIN}",
                purpose="evidence", gate="launch_held", now=now, policy=policy)
    print(f"Web app:   `{copflow(folder, 'web')}`   then open Hugo Silva's link (HR Recruitment's launch "
          f"form; his reminders in the Maildir carry links like it):")
    print(f"           {url}")
    print(f"Console:   `{copflow(folder, 'web', '--console-demo')}`   then open "
          "http://127.0.0.1:8000/console and sign in as the demo's OD manager (no identity provider: this machine "
          "only; docs/console.md sets up Entra ID or Google)")
