"""COPFLOW_IMAP_*: the programme's mailbox settings, read like SMTP's (one error naming the variable)."""

from __future__ import annotations

import pytest

from copflow.settings import SettingsError, load_settings


def test_without_a_host_the_mailbox_is_the_local_maildir(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = load_settings({"COPFLOW_HOME": str(tmp_path)})
    assert s.imap is None and s.inbox_maildir == tmp_path / "inbox"


def test_imap_over_tls_by_default_and_the_password_never_shown() -> None:
    s = load_settings({"COPFLOW_IMAP_HOST": "outlook.office365.com", "COPFLOW_IMAP_USERNAME": "cop@uni.example.org",
                       "COPFLOW_IMAP_PASSWORD": "hunter2-not-real"})
    assert s.imap is not None
    assert (s.imap.port, s.imap.ssl, s.imap.folder, s.imap.max_bytes) == (993, True, "INBOX", 10_000_000)
    assert "hunter2" not in repr(s.imap) and "hunter2" not in repr(s)


def test_xoauth2_takes_the_smtp_token_settings_under_its_own_prefix() -> None:
    s = load_settings({"COPFLOW_IMAP_HOST": "outlook.office365.com", "COPFLOW_IMAP_USERNAME": "cop@uni.example.org",
                       "COPFLOW_IMAP_AUTH": "oauth2", "COPFLOW_IMAP_OAUTH_TENANT": "contoso",
                       "COPFLOW_IMAP_OAUTH_CLIENT_ID": "app", "COPFLOW_IMAP_OAUTH_CLIENT_SECRET": "s3cret-not-real"})
    assert s.imap is not None and s.imap.oauth is not None
    assert (s.imap.oauth.tenant, s.imap.oauth.scope) == ("contoso", "https://outlook.office365.com/.default")
    assert "s3cret" not in repr(s.imap)


@pytest.mark.parametrize(("extra", "field"), [
    ({}, "COPFLOW_IMAP_USERNAME"),
    ({"COPFLOW_IMAP_USERNAME": "cop"}, "COPFLOW_IMAP_PASSWORD"),
    ({"COPFLOW_IMAP_USERNAME": "cop", "COPFLOW_IMAP_PASSWORD": "x", "COPFLOW_IMAP_PORT": "imap"}, "COPFLOW_IMAP_PORT"),
    ({"COPFLOW_IMAP_USERNAME": "cop", "COPFLOW_IMAP_AUTH": "oauth2"}, "COPFLOW_IMAP_OAUTH_TENANT"),
    ({"COPFLOW_IMAP_USERNAME": "cop", "COPFLOW_IMAP_PASSWORD": "x", "COPFLOW_IMAP_SSL": "maybe"}, "COPFLOW_IMAP_SSL"),
])
def test_a_setting_copflow_cannot_use_is_named(extra: dict[str, str], field: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"COPFLOW_IMAP_HOST": "imap.example.org", **extra})
    assert refused.value.field == field
