"""A real IMAP server for the mailbox tests: Debian's Dovecot (tests/install-tools.sh installs dovecot-imapd),
started as an unprivileged process on 127.0.0.1 with a throw-away configuration, mail location and passwd-file
user; plain login without TLS, which Dovecot allows on loopback with disable_plaintext_auth=no."""

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
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:{root}/mail/%u
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
passdb {{
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
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
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


@contextmanager
def dovecot_server() -> Iterator[Dovecot]:
    """Dovecot on a free port; as root, it runs as `nobody` (never as root), else as the current user."""
    root = Path(tempfile.mkdtemp(prefix="copflow-dovecot-"))
    root.chmod(0o755)
    as_root = os.getuid() == 0
    account = pwd.getpwnam("nobody") if as_root else pwd.getpwuid(os.getuid())
    group = subprocess.run(["id", "-gn", account.pw_name], capture_output=True, text=True, check=True).stdout.strip()
    port = _free_port()
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    (root / "dovecot.conf").write_text(CONFIG.format(root=root, user=account.pw_name, group=group, port=port))
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
