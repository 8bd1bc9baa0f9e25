"""`copflow web` (the leads' web app) and `copflow links issue|revoke`. Starlette and uvicorn are imported only
when the web command runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from copflow.cli import context as ctx

if TYPE_CHECKING:
    from copflow.settings import Settings

links_app = typer.Typer(help="Signed links in mails: make one by hand, or revoke them.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("web")(web)
    app.add_typer(links_app, name="links")


def web(
    host: Annotated[str, typer.Option(help="Address to listen on (behind a reverse proxy: 127.0.0.1).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    rate_limit: Annotated[int, typer.Option(min=0, help="Requests a minute one client may make to link pages "
                                                        "(0: no limit).")] = 120,
    cache_seconds: Annotated[float, typer.Option(min=0, help="How long a page's reading is reused (a change made "
                                                             "outside the web app shows within this).")] = 2.0,
    console_demo: Annotated[bool, typer.Option(
        "--console-demo", help="The demo's console: sign in as COPFLOW_OD_MANAGER_EMAIL without an identity "
                               "provider, in a browser on this machine only (refused on any other interface).")]
    = False,
) -> None:
    """Serve the web app: evidence forms and CoP pages by signed link, the CoP hub, calendar feeds, and the OD
    manager's console (/console)."""
    s = ctx.settings()
    ctx.require_database()  # before anything is imported or made: a mistyped COPFLOW_HOME creates nothing
    import uvicorn

    from copflow.web.app import create_app
    from copflow.web.security import behind_proxies, log_config

    if console_demo:
        _check_console_demo(s, host)
    typer.echo(f"copflow web on http://{host}:{port} (links in mails point to {s.web_url}); Ctrl+C stops it",
               err=True)
    if console_demo:
        typer.echo(f"the OD manager's console: http://{host}:{port}/console (demo sign-in as {s.od_manager_email}, "
                   "from this machine only)", err=True)
    app = create_app(s, rate_limit=rate_limit, cache_seconds=cache_seconds, console_demo=console_demo)
    # X-Forwarded-For and -Proto only from the configured proxies: uvicorn would otherwise believe them from
    # 127.0.0.1, and a client there could pick the address the rate limit counts it under.
    # The connection's own address is kept before they are believed: a proxy's groups header is believed by it.
    uvicorn.run(behind_proxies(app, s.web_trusted_proxies), host=host, port=port, log_config=log_config(),
                proxy_headers=False, server_header=False)


def _check_console_demo(s: Settings, host: str) -> None:
    """The demo's sign-in has no identity provider: it holds on this machine's loopback only."""
    from copflow.console_settings import is_loopback

    if not is_loopback(host):
        raise ctx.UsageError(f"--console-demo signs the OD manager in without an identity provider, so it listens on "
                             f"127.0.0.1 only, not on {host}", field="--host", value=host)
    if s.web_trusted_proxies or s.console.oidc is not None or s.web_trusted_user_header:
        raise ctx.UsageError("--console-demo is for the demo: not with COPFLOW_OIDC_ISSUER, "
                             "COPFLOW_WEB_TRUSTED_USER_HEADER or COPFLOW_WEB_TRUSTED_PROXIES set",
                             field="--console-demo")
    if not s.od_manager_email:
        raise ctx.UsageError("--console-demo signs in COPFLOW_OD_MANAGER_EMAIL: set it (the demo's folder does)",
                             field="COPFLOW_OD_MANAGER_EMAIL")


@links_app.command("issue")
def links_issue(
    email: Annotated[str, typer.Argument(help="The person the link is for (it works for them only).")],
    cop: Annotated[str | None, typer.Option(help="The CoP (not for a calendar feed).")] = None,
    purpose: Annotated[str, typer.Option(help="evidence (one gate's form), cop (the CoP's page), feed, decision "
                                              "(the OD manager's review decision), or actions (an owner's own "
                                              "actions).")] = "cop",
    gate: Annotated[str | None, typer.Option(help="For an evidence link: the gate.")] = None,
) -> None:
    """Make a signed link and print it (send it to that person yourself)."""
    from copflow.services.links.signed import issue

    s = ctx.settings()
    typer.echo(issue(ctx.uow(), slug=cop, email=email, purpose=purpose, gate=gate, now=ctx.now(),
                     policy=ctx.policy(), web_url=s.web_url, od_manager=s.od_manager_email))


@links_app.command("revoke")
def links_revoke(
    link: Annotated[str | None, typer.Argument(help="The link (as in the mail) or its token.")] = None,
    cop: Annotated[str | None, typer.Option(help="Every live link of this CoP.")] = None,
    email: Annotated[str | None, typer.Option(help="Every live link made for this address.")] = None,
) -> None:
    """Revoke a link, or every link of a CoP and/or a person; a revoked link shows 'not found'."""
    from copflow.services.links.signed import revoke

    n = revoke(ctx.uow(), now=ctx.now(), link=link, slug=cop, email=email)
    typer.echo(f"{n} link(s) revoked")
