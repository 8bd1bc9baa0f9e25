"""A real IMAP server for the mailbox tests: Debian's Dovecot (tests/install-tools.sh installs dovecot-imapd),
started as an unprivileged process on 127.0.0.1 with a throw-away configuration, mail location and passwd-file
user; plain login without TLS, which Dovecot allows on loopback with disable_plaintext_auth=no — or, with `tls`,
IMAP over TLS only (a self-signed certificate made for the run) and, with `introspection`, XOAUTH2 tokens checked
at an OAuth 2.0 introspection endpoint (tests/oauth_server.py), as a Microsoft 365 or Google mailbox checks them."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "programme", "not-a-real-secret"

CONFIG = """base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain{mechanisms}
mail_location = maildir:{root}/mail/%u
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
{oauth_passdb}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
service anvil {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


@dataclass(frozen=True)
class Dovecot:
    host: str
    port: int
    user: str
    password: str
    root: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tls(root: Path) -> str:
    """A self-signed certificate for 127.0.0.1, made for this run; the client trusts `cert.pem` alone."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(root / "key.pem"),
                    "-out", str(root / "cert.pem")], check=True, capture_output=True)
    return f"ssl = required\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem"


def _oauth(root: Path, introspection: str) -> str:
    (root / "oauth2.conf").write_text(f"introspection_url = {introspection}\nintrospection_mode = post\n"
                                      "username_attribute = username\nactive_attribute = active\n"
                                      "active_value = true\n")
    return f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {root}/oauth2.conf\n}}\n"


@contextmanager
def dovecot_server(*, tls: bool = False, introspection: str | None = None) -> Iterator[Dovecot]:
    """Dovecot on a free port; as root, it runs as `nobody` (never as root), else as the current user. With `tls`
    the port speaks IMAP over TLS only (the certificate is `root/cert.pem`); with `introspection` (a URL) it takes
    XOAUTH2 tokens that endpoint says are live."""
    root = Path(tempfile.mkdtemp(prefix="copflow-dovecot-"))
    root.chmod(0o755)
    as_root = os.getuid() == 0
    account = pwd.getpwnam("nobody") if as_root else pwd.getpwuid(os.getuid())
    group = subprocess.run(["id", "-gn", account.pw_name], capture_output=True, text=True, check=True).stdout.strip()
    port = _free_port()
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    (root / "dovecot.conf").write_text(CONFIG.format(
        root=root, user=account.pw_name, group=group, imap_port=0 if tls else port, imaps_port=port if tls else 0,
        ssl=_tls(root) if tls else "ssl = no", mechanisms=" xoauth2 oauthbearer" if introspection else "",
        oauth_passdb=_oauth(root, introspection) if introspection else ""))
    if as_root:
        for path in root.rglob("*"):
            os.chown(path, account.pw_uid, account.pw_gid)
        os.chown(root, account.pw_uid, account.pw_gid)
    prefix = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups"] if as_root else []
    proc = subprocess.Popen([*prefix, DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                    raise RuntimeError(f"Dovecot did not start: {proc.stderr.read() if proc.stderr else b''!r} "
                                       f"{log}") from None
                time.sleep(0.05)
        yield Dovecot("127.0.0.1", port, USER, PASSWORD, root)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)
