"""The console's settings: an identity provider over https (plain http to this machine's loopback only), its client
secret required and never shown, the OD managers named by address or group."""

from __future__ import annotations

import pytest

from copflow.console_settings import ConsoleSettingsError, console_settings, secure_or_loopback

BASE = {"COPFLOW_OIDC_CLIENT_ID": "cid", "COPFLOW_OIDC_CLIENT_SECRET": "s3cret-value",
        "COPFLOW_CONSOLE_MANAGERS": "odm@uni.example.org"}


@pytest.mark.parametrize(("url", "ok"), [
    ("https://login.microsoftonline.com/t/v2.0", True), ("http://127.0.0.1:9000", True), ("http://[::1]:9", True),
    ("http://localhost:8080", True), ("http://idp.example.org", False), ("http://10.0.0.5", False),
    ("ftp://idp.example.org", False), ("https://", False), ("http://127.0.0.1.evil.org", False)])
def test_plain_http_only_to_loopback(url: str, ok: bool) -> None:
    assert secure_or_loopback(url) is ok
    if ok and url != "https://":
        assert console_settings({**BASE, "COPFLOW_OIDC_ISSUER": url}).oidc is not None
    elif not ok:
        with pytest.raises(ConsoleSettingsError) as exc:
            console_settings({**BASE, "COPFLOW_OIDC_ISSUER": url})
        assert exc.value.field == "COPFLOW_OIDC_ISSUER"


def test_the_secret_is_required_and_never_shown(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = console_settings({**BASE, "COPFLOW_OIDC_ISSUER": "https://accounts.google.com"})
    assert "s3cret-value" not in repr(s) and s.oidc is not None and s.oidc.client_secret == "s3cret-value"
    with pytest.raises(ConsoleSettingsError) as exc:
        console_settings({**BASE, "COPFLOW_OIDC_CLIENT_SECRET": "", "COPFLOW_OIDC_ISSUER": "https://a.example.org"})
    assert exc.value.field == "COPFLOW_OIDC_CLIENT_SECRET"
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    s = console_settings({**BASE, "COPFLOW_OIDC_CLIENT_SECRET": "", "COPFLOW_OIDC_CLIENT_SECRET_FILE": str(secret),
                          "COPFLOW_OIDC_ISSUER": "https://a.example.org"})
    assert s.oidc is not None and s.oidc.client_secret == "from-a-file"


def test_managers_by_address_or_group() -> None:
    s = console_settings({**BASE, "COPFLOW_CONSOLE_MANAGERS": "Grace@Uni.example.org, x@y.org",
                          "COPFLOW_CONSOLE_MANAGER_GROUPS": "od-managers", "COPFLOW_OD_MANAGER_EMAIL": "odm@u.org"})
    assert s.is_manager("grace@uni.example.org") and s.is_manager("ODM@u.org")
    assert s.is_manager("ann@u.org", ["staff", "od-managers"]) and not s.is_manager("ann@u.org", ["staff"])
    with pytest.raises(ConsoleSettingsError):
        console_settings({**BASE, "COPFLOW_CONSOLE_MANAGERS": "not-an-address"})
    with pytest.raises(ConsoleSettingsError) as exc:  # a provider, and nobody named who may use the console
        console_settings({**BASE, "COPFLOW_CONSOLE_MANAGERS": "", "COPFLOW_OIDC_ISSUER": "https://a.example.org"})
    assert exc.value.field == "COPFLOW_CONSOLE_MANAGERS"
    with pytest.raises(ConsoleSettingsError):
        console_settings({"COPFLOW_CONSOLE_SESSION_HOURS": "forever"})


def test_a_groups_header_needs_the_user_header_and_the_proxies_it_is_believed_from() -> None:
    proxy = {**BASE, "COPFLOW_WEB_TRUSTED_USER_HEADER": "X-Forwarded-Email", "COPFLOW_WEB_TRUSTED_PROXIES": "10.0.0.1"}
    s = console_settings({**proxy, "COPFLOW_WEB_TRUSTED_GROUPS_HEADER": "X-Forwarded-Groups"})
    assert s.groups_header == "X-Forwarded-Groups"
    assert console_settings(proxy).groups_header is None
    for missing in ("COPFLOW_WEB_TRUSTED_USER_HEADER", "COPFLOW_WEB_TRUSTED_PROXIES"):
        with pytest.raises(ConsoleSettingsError) as exc:
            console_settings({**proxy, missing: "", "COPFLOW_WEB_TRUSTED_GROUPS_HEADER": "X-Forwarded-Groups"})
        assert exc.value.field == missing and "COPFLOW_WEB_TRUSTED_GROUPS_HEADER needs" in str(exc.value)
    with pytest.raises(ConsoleSettingsError) as exc:
        console_settings({**proxy, "COPFLOW_WEB_TRUSTED_GROUPS_HEADER": "X-Groups: admin"})
    assert exc.value.field == "COPFLOW_WEB_TRUSTED_GROUPS_HEADER"
