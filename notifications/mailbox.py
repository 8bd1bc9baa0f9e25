"""Where replies come back: the programme's mailbox on an IMAP server (imapclient, over TLS, with a password or
XOAUTH2) or a local Maildir folder (the embedded default and the demo), read the same way: list the messages with
their sizes (before reading any), read one's head or whole, and move it to a folder by outcome. Never deleted.

What a message *is* and what copflow does with it is copflow/services/inbox/; this is only the transport."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from notifications.oauth import TokenRefused, TokenSource
from notifications.transports import LoginRefused, TemporaryFailure, require_encrypted_login

if TYPE_CHECKING:
    from imapclient import IMAPClient

# The folders messages are moved to once read, by outcome (created on first use).
OUTCOME_FOLDERS = ("processed", "ignored", "quarantined")
HEAD_BYTES = 64_000  # a message's head is read at most this far (the Message-ID, the sender, the subject)


@dataclass(frozen=True)
class Waiting:
    """A message in the mailbox: where it is (an IMAP UID or a Maildir key) and its size, known before reading."""

    ref: str
    size: int


class OpenMailbox(Protocol):
    def waiting(self) -> list[Waiting]: ...

    def head(self, ref: str) -> bytes: ...

    def whole(self, ref: str) -> bytes: ...

    def move(self, refs: list[str], outcome: str) -> int: ...


class Mailbox(Protocol):
    def open(self) -> AbstractContextManager[OpenMailbox]: ...

    def describe(self) -> str: ...


class MaildirMailbox:
    """A local Maildir folder: messages in its new/ and cur/, moved by rename into the Maildir++ sub-folders
    `.processed`, `.ignored` and `.quarantined` (what a mail client shows as folders)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def describe(self) -> str:
        return f"Maildir {self.path}"

    @contextmanager
    def open(self) -> Iterator[OpenMailbox]:
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        yield _OpenMaildir(self.path)


class _OpenMaildir:
    def __init__(self, path: Path) -> None:
        self.path = path

    def waiting(self) -> list[Waiting]:
        found = []
        for sub in ("new", "cur"):
            for entry in sorted((self.path / sub).iterdir()):
                try:
                    found.append(Waiting(f"{sub}/{entry.name}", entry.stat().st_size))
                except FileNotFoundError:
                    continue  # moved by another reader since the listing
        return found

    def _file(self, ref: str) -> Path:
        sub, _, name = ref.partition("/")
        if sub not in ("new", "cur") or not name or "/" in name or name.startswith("."):
            raise KeyError(ref)
        return self.path / sub / name

    def head(self, ref: str) -> bytes:
        with self._file(ref).open("rb") as f:
            data = f.read(HEAD_BYTES)
        end = data.replace(b"\r\n", b"\n").find(b"\n\n")
        return data if end < 0 else data.replace(b"\r\n", b"\n")[:end + 2]

    def whole(self, ref: str) -> bytes:
        return self._file(ref).read_bytes()

    def move(self, refs: list[str], outcome: str) -> int:
        """Into the outcome's sub-folder by rename (atomic); how many moved (another reader may have moved some)."""
        folder = self.path / f".{outcome}"
        for sub in ("tmp", "new", "cur"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        moved = 0
        for ref in refs:
            source = self._file(ref)
            try:
                source.rename(folder / "cur" / source.name)
                moved += 1
            except FileNotFoundError:
                continue
        return moved


class ImapMailbox:
    """A folder on an IMAP server. Sizes are asked first (RFC822.SIZE), bodies read with BODY.PEEK (nothing is
    marked read by reading), messages moved with MOVE (RFC 6851) or, without it, COPY and then flagged deleted."""

    def __init__(self, host: str, port: int, *, username: str, password: str | None = None,
                 folder: str = "INBOX", use_ssl: bool = True, timeout: float = 30.0,
                 ssl_context: ssl.SSLContext | None = None, oauth: TokenSource | None = None,
                 allow_plaintext_auth: bool = False) -> None:
        self.host, self.port, self.username, self.folder = host, port, username, folder
        self._password = password
        self.use_ssl, self.timeout, self.ssl_context, self.oauth = use_ssl, timeout, ssl_context, oauth
        self.allow_plaintext_auth = allow_plaintext_auth

    def __repr__(self) -> str:
        return f"ImapMailbox({self.host}:{self.port}, user={self.username!r}, folder={self.folder!r})"

    def describe(self) -> str:
        return f"IMAP {self.host}:{self.port} {self.folder}"

    @contextmanager
    def open(self) -> Iterator[OpenMailbox]:
        from imapclient.exceptions import IMAPClientError

        client = self._login()
        try:
            client.select_folder(self.folder)
            yield _OpenImap(client)
        except (IMAPClientError, OSError) as exc:
            raise TemporaryFailure(f"IMAP {self.host}:{self.port}: {exc}") from None
        finally:
            with suppress(IMAPClientError, OSError):
                client.logout()

    def _login(self) -> IMAPClient:
        from imapclient import IMAPClient
        from imapclient.exceptions import IMAPClientError, LoginError

        require_encrypted_login(self.host, self.port, encrypted=self.use_ssl, allow_plaintext=self.allow_plaintext_auth,
                                credential="OAuth 2.0 token" if self.oauth else "password", protocol="IMAP",
                                setting="COPFLOW_IMAP_ALLOW_PLAINTEXT_AUTH", tls_settings="COPFLOW_IMAP_SSL=true")
        try:
            context = self.ssl_context or (ssl.create_default_context() if self.use_ssl else None)
            client = IMAPClient(self.host, self.port, ssl=self.use_ssl, timeout=self.timeout, ssl_context=context)
        except (IMAPClientError, OSError) as exc:
            raise TemporaryFailure(f"cannot connect to IMAP {self.host}:{self.port}: {exc}") from None
        try:
            if self.oauth is not None:
                try:
                    client.oauth2_login(self.username, self.oauth.token())
                except LoginError:  # the token may have been revoked early: fetch once more
                    client.oauth2_login(self.username, self.oauth.token(refresh=True))
            else:
                client.login(self.username, self._password or "")
        except TokenRefused as exc:
            raise LoginRefused(str(exc)) from None
        except LoginError:
            how = "XOAUTH2 token" if self.oauth is not None else "login"
            raise LoginRefused(f"IMAP {how} refused for user {self.username!r} by {self.host}:{self.port}") from None
        except (IMAPClientError, OSError) as exc:
            raise TemporaryFailure(f"IMAP {self.host}:{self.port}: {exc}") from None
        return client


class _OpenImap:
    def __init__(self, client: IMAPClient) -> None:
        self.client = client
        self.folders: set[str] = set()
        self.can_move = client.has_capability("MOVE")

    def waiting(self) -> list[Waiting]:
        uids = self.client.search(["NOT", "DELETED"])
        if not uids:
            return []
        sizes = self.client.fetch(uids, ["RFC822.SIZE"])
        return [Waiting(str(uid), int(sizes[uid][b"RFC822.SIZE"])) for uid in sorted(sizes)]

    def head(self, ref: str) -> bytes:
        got = self.client.fetch([int(ref)], [f"BODY.PEEK[HEADER]<0.{HEAD_BYTES}>"]).get(int(ref), {})
        head = next((bytes(v) for k, v in got.items() if k.startswith(b"BODY[") and v), b"")
        if not head:
            raise KeyError(ref)  # moved by another reader since the listing
        return head

    def whole(self, ref: str) -> bytes:
        got = self.client.fetch([int(ref)], ["BODY.PEEK[]"])
        if int(ref) not in got:
            raise KeyError(ref)
        return bytes(got[int(ref)][b"BODY[]"])

    def move(self, refs: list[str], outcome: str) -> int:
        """One MOVE for all of `refs` (those still there); how many moved."""
        from imapclient.exceptions import IMAPClientError

        if outcome not in self.folders:
            if not self.client.folder_exists(outcome):
                try:
                    self.client.create_folder(outcome)
                except IMAPClientError:
                    if not self.client.folder_exists(outcome):
                        raise
                    # else another reader made it between our look and our CREATE ([ALREADYEXISTS]): use it
            self.folders.add(outcome)
        self.client.noop()  # take in what other sessions expunged since
        there = self.client.search(["UID", ",".join(refs), "NOT", "DELETED"]) if refs else []
        if not there:
            return 0  # another reader moved them first
        try:
            if self.can_move:
                self.client.move(there, outcome)
            else:
                self.client.copy(there, outcome)
                self.client.add_flags(there, [b"\\Deleted"])  # left for the server's own expunge, never ours
        except IMAPClientError as exc:
            if "EXPUNGEISSUED" in str(exc) or "no longer exist" in str(exc):
                return 0  # another reader moved some between the search and the move
            raise
        return len(there)
