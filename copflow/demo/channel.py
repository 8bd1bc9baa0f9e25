"""The demo's chat channel: a local receiver standing in for Data and Insight's Teams channel, so a newcomer sees
what a channel would have received. It listens on 127.0.0.1 while the demo runs (a generic JSON webhook, Apprise's
`json://`: the same posting path as Teams and Slack, the payload Apprise's own) and writes each post to
<demo folder>/channel/ as a Markdown file: its title, its text and its one link, in the order they came."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

MAX_POST = 64 * 1024


class _Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, folder: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.folder = folder
        self.count = 0
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: _Receiver

    def log_message(self, format: str, *args: Any) -> None:  # the demo prints its own summary
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_POST:
            self._answer(413 if length else 400)
            return
        try:
            post = json.loads(self.rfile.read(length))
            title, text = str(post["title"]), str(post["message"])
        except (ValueError, KeyError, TypeError):
            self._answer(400)
            return
        with self.server.lock:
            self.server.count += 1
            n = self.server.count
        name = self.path.strip("/").split("?")[0].replace("/", "-") or "channel"
        (self.server.folder / f"{n:03d}-{name}.md").write_text(f"# {title}\n\n{text}\n", encoding="utf-8")
        self._answer(200)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


@contextmanager
def receiver(folder: Path) -> Iterator[str]:
    """A receiver writing to `folder` for as long as the block runs; yields the channel's Apprise URL."""
    folder.mkdir(parents=True, exist_ok=True)
    server = _Receiver(folder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"json://127.0.0.1:{server.server_address[1]}/data-and-insight"
    finally:
        server.shutdown()
        server.server_close()
