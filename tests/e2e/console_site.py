"""The console's test site: the real `copflow web` (its own process) as the client of a real OpenID Connect
provider (tests/oidc_provider.py, authlib's server side on 127.0.0.1), and signing in through it in Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.e2e.webapp import Server, free_port, server_env, web_server
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, oidc_provider

D = "uni.example.org"
USERS = {
    "odm": {"sub": "odm", "email": f"odm@{D}", "email_verified": True, "name": "Oda Mann", "groups": ["staff"]},
    "grace": {"sub": "grace", "email": f"grace@{D}", "email_verified": True, "name": "Grace Ode",
              "groups": ["staff", "od-managers"]},
    "ann": {"sub": "ann", "email": f"ann@{D}", "email_verified": True, "name": "Ann Lee", "groups": ["staff"]},
}


@dataclass
class ConsoleSite:
    web: Server
    provider: Provider

    @property
    def url(self) -> str:
        return self.web.url


@contextmanager
def console_site(tmp: Path, db_url: str, port: int, now: datetime, **extra_env: str) -> Iterator[ConsoleSite]:
    idp_port = free_port()
    env = server_env(tmp, db_url, port, now)
    env.update({"COPFLOW_OIDC_ISSUER": f"http://127.0.0.1:{idp_port}", "COPFLOW_OIDC_CLIENT_ID": CLIENT_ID,
                "COPFLOW_OIDC_CLIENT_SECRET": CLIENT_SECRET, "COPFLOW_CONSOLE_MANAGER_GROUPS": "od-managers",
                **extra_env})
    with oidc_provider(idp_port, USERS, f"http://127.0.0.1:{port}/console/signed-in",
                       f"http://127.0.0.1:{port}/console/signed-out") as provider, \
            web_server(tmp, db_url, port, now, env=env) as web:
        yield ConsoleSite(web, provider)


def sign_in(page: Any, site: ConsoleSite, account: str, start: str = "/console") -> None:
    """Open a console page and sign in at the provider as `account` (its button), back on the page asked for."""
    page.goto(site.url + start)
    assert page.url.startswith(site.provider.issuer + "/authorize"), page.url
    page.click(f"button[value={account}]")
    page.wait_for_url(f"{site.url}{start.split('?')[0]}*")
