"""A local stand-in for the chat services copflow posts to: one HTTP server on 127.0.0.1 that is

- the Teams Workflows endpoint (`https://<x>.logic.azure.com/workflows/<id>/triggers/manual/paths/invoke?...`),
- Slack's incoming webhooks (`https://hooks.slack.com/services/T…/B…/X…`),
- a generic JSON webhook (`http://127.0.0.1:<port>/<path>`, Apprise's `json://`).

Apprise's Slack plugin always posts to hooks.slack.com and its Workflows plugin always over https, so the real
addresses are used and Apprise is pointed here the way any HTTP client is: HTTPS_PROXY names this server, which
answers CONNECT, and speaks TLS for the named host with a certificate from a test CA (trustme) that
REQUESTS_CA_BUNDLE trusts. `pointed_at(server)` sets both for a test.

Each payload is checked against the shape the service documents (Microsoft: "a webhook request" to a Workflows
flow carries a message with an Adaptive Card attachment; Slack: a JSON object with `text`, `blocks` or
`attachments`); a payload of the wrong shape is answered 400 and recorded in `bad`. Answers come from `script`, in
order (then 200, with Slack's `ok` body): `Answer(429, retry_after=30)`, `Answer(500)`, `Answer(400, "...")`.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SLACK_HOST = "hooks.slack.com"
TEAMS_HOST = "prod-07.westeurope.logic.azure.com"
TEAMS_URL = (f"https://{TEAMS_HOST}:443/workflows/{{workflow}}/triggers/manual/paths/invoke?api-version=2016-06-01"
             "&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={sig}")
SLACK_URL = f"https://{SLACK_HOST}/services/{{a}}/{{b}}/{{c}}"


def teams_address(n: int = 1) -> str:
    return TEAMS_URL.format(workflow=f"{n:032x}", sig=f"Sig{n:04d}SecretPart-{'k' * 30}")


def slack_address(n: int = 1) -> str:
    return SLACK_URL.format(a=f"T{n:08d}", b=f"B{n:08d}", c=f"SlackSecret{n:04d}xyzXYZabcdefghij")


@dataclass
class Answer:
    status: int
    body: str = ""
    retry_after: int | None = None
    hold: float = 0.0  # seconds before answering (a slow service; a deliverer killed meanwhile)


@dataclass
class Received:
    service: str  # "teams", "slack", "json"
    path: str
    payload: Any
    status: int  # what was answered


@dataclass
class State:
    script: list[Answer] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted(self, service: str | None = None) -> list[Received]:
        return [r for r in self.received if r.status < 300 and (service is None or r.service == service)]


def check_teams(query: dict[str, list[str]], payload: Any) -> str | None:
    """A Workflows "When a Teams webhook request is received" trigger: the signed query, and a message whose
    attachments are Adaptive Cards."""
    for key in ("api-version", "sp", "sv", "sig"):
        if not query.get(key):
            return f"teams: the query lacks {key}"
    if not isinstance(payload, dict) or payload.get("type") != "message":
        return "teams: not a message"
    attachments = payload.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return "teams: no attachments"
    for a in attachments:
        card = a.get("content") if isinstance(a, dict) else None
        if a.get("contentType") != "application/vnd.microsoft.card.adaptive" or not isinstance(card, dict):
            return "teams: an attachment that is not an Adaptive Card"
        if card.get("type") != "AdaptiveCard" or not card.get("version") or not isinstance(card.get("body"), list):
            return "teams: a card without type, version or body"
        for action in card.get("actions", []):
            if action.get("type") == "Action.OpenUrl" and not str(action.get("url", "")).startswith("http"):
                return "teams: an Action.OpenUrl without an http(s) url"
    return None


def check_slack(payload: Any) -> str | None:
    """An incoming webhook's message: a JSON object with text, blocks or attachments (each attachment an object
    with text or blocks)."""
    if not isinstance(payload, dict) or not any(payload.get(k) for k in ("text", "blocks", "attachments")):
        return "slack: no text, blocks or attachments"
    for a in payload.get("attachments") or []:
        if not isinstance(a, dict) or not (a.get("text") or a.get("blocks")):
            return "slack: an attachment without text or blocks"
    return None


def check_json(payload: Any) -> str | None:
    if not isinstance(payload, dict) or not payload.get("message") or "title" not in payload:
        return "json: no title and message"
    return None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    tunnel: str | None = None

    def log_message(self, format: str, *args: Any) -> None:  # the tests read `received`, not stderr
        pass

    def do_CONNECT(self) -> None:
        self.tunnel = self.path.split(":")[0]
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        tls = self.server.tls.wrap_socket(self.connection, server_side=True)
        self.connection = tls
        self.rfile = tls.makefile("rb")
        self.wfile = tls.makefile("wb")
        self.close_connection = False

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        parts = urlsplit(self.path)
        host = self.tunnel or "127.0.0.1"
        try:
            payload: Any = json.loads(raw or b"null")
        except ValueError:
            payload = raw.decode("utf-8", "replace")
        if host == SLACK_HOST:
            service, problem = "slack", check_slack(payload)
        elif host.endswith("logic.azure.com"):
            service, problem = "teams", check_teams(parse_qs(parts.query), payload)
        else:
            service, problem = "json", check_json(payload)
        if "json" not in (self.headers.get("Content-Type") or ""):
            problem = problem or f"{service}: Content-Type is not JSON"
        state = self.server.state
        with state.lock:
            answer = Answer(400, f"invalid_payload: {problem}") if problem else (
                state.script.pop(0) if state.script else Answer(200, "ok" if service == "slack" else ""))
            if problem:
                state.bad.append(problem)
        if answer.hold:
            time.sleep(answer.hold)
        with state.lock:
            state.received.append(Received(service, parts.path, payload, answer.status))
        body = answer.body.encode("utf-8")
        self.send_response(answer.status)
        if answer.retry_after is not None:
            self.send_header("Retry-After", str(answer.retry_after))
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tls = tls
        self.state = State()


@dataclass
class ChatServer:
    port: int
    ca_file: Path
    state: State

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def json_address(self, path: str = "data-and-insight") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def env(self) -> dict[str, str]:
        """What points Apprise (requests) here: in a test's environment, or a child process's."""
        return {"HTTPS_PROXY": self.proxy, "https_proxy": self.proxy, "REQUESTS_CA_BUNDLE": str(self.ca_file),
                "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


@contextmanager
def chat_server(tmp: Path) -> Iterator[ChatServer]:
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert(SLACK_HOST, TEAMS_HOST, "127.0.0.1")
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(tls)
    ca_file = tmp / "chat-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server = _Server(tls)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ChatServer(server.server_address[1], ca_file, server.state)
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
